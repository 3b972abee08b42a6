import type { TableClient } from '@azure/data-tables';

import type { UnrecognizedStore } from '../ports/unrecognizedStore';
import { encodeKey } from './keys';
import { storageUnavailable } from './storageErrors';

/**
 * The unrecognized store on the `unrecognized` table: one partition per day received, so "what came in that we
 * did not understand today" is one partition query.
 * A string property holds at most 32K UTF-16 characters, so a large body is split over several properties.
 */
const CHUNK = 30_000;

export function createUnrecognizedStore(client: TableClient): UnrecognizedStore {
  return {
    async save(event) {
      const chunks: Record<string, string> = {};
      for (let i = 0; i * CHUNK < event.rawBody.length || i === 0; i++)
        chunks[`rawBody${i}`] = event.rawBody.slice(i * CHUNK, (i + 1) * CHUNK);
      try {
        await client.upsertEntity(
          {
            partitionKey: event.receivedAt.slice(0, 10),
            rowKey: encodeKey(event.eventId),
            account: event.account,
            reason: event.reason,
            receivedAt: event.receivedAt,
            rawBodyParts: Object.keys(chunks).length,
            ...chunks,
          },
          'Replace',
        );
      } catch (error) {
        throw storageUnavailable(error);
      }
    },
  };
}
