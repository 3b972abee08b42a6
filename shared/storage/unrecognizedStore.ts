import type { TableClient } from '@azure/data-tables';

import type { UnrecognizedStore } from '../ports/unrecognizedStore';
import { encodeKey } from './keys';
import { partsOf } from './propertyParts';
import { storageError } from './storageErrors';

/**
 * The unrecognized store on the `unrecognized` table: one partition per day received, so "what came in that we
 * did not understand today" is one partition query.
 * A string property holds at most 32K UTF-16 characters, so the raw body is split over `rawBody0`, `rawBody1`…
 * (30,000 each, never inside a surrogate pair) with their count in `rawBodyParts`: a 64 KiB body is three parts.
 */
export function createUnrecognizedStore(client: TableClient): UnrecognizedStore {
  return {
    async save(event) {
      const chunks: Record<string, string> = {};
      partsOf(event.rawBody).forEach((part, i) => (chunks[`rawBody${i}`] = part));
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
        throw storageError(error, 'store an unrecognized callback');
      }
    },
  };
}
