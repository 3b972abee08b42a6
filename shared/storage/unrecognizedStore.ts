import type { TableClient } from '@azure/data-tables';

import type { CallbackUnrecognized } from '../domain/inboundEvent';
import { encodeKey } from './keys';
import { storageUnavailable } from './storageErrors';

/**
 * Authentic callbacks we could not read, kept whole for an operator: table `unrecognized`, one partition per
 * day received, so "what came in that we did not understand today" is one partition query.
 * A string property holds at most 32K UTF-16 characters, so a large body is split over several properties.
 */
const CHUNK = 30_000;

export interface UnrecognizedStore {
  save(event: CallbackUnrecognized): Promise<void>;
}

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
