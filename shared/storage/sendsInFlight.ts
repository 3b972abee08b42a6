import type { TableClient } from '@azure/data-tables';

import type { SendInFlight, SendsInFlight } from '../ports/sendsInFlight';
import { odataString } from './keys';
import { isNotFound, storageError } from './storageErrors';

/**
 * Sends in flight on the `sendsInFlight` table, in one partition (`sending`): it holds only the sends of the last
 * seconds, and the stuck ones. RowKey = the queued time, `_`, the message id: a query reads them oldest first and
 * "queued before T" is a RowKey range. Every part is key-safe (ISO time, base64url thread id, digits).
 */
const PARTITION = 'sending';
const rowOf = ({ queuedAt, pointer: p }: SendInFlight) => `${queuedAt}_${p.threadId}.${p.conversation}.${p.m}`;

export function createSendsInFlight(client: TableClient): SendsInFlight {
  return {
    async add(send) {
      try {
        await client.upsertEntity(
          { partitionKey: PARTITION, rowKey: rowOf(send), ...send.pointer, queuedAt: send.queuedAt },
          'Replace',
        );
      } catch (error) {
        throw storageError(error, 'enter a send in flight');
      }
    },

    async remove(send) {
      try {
        await client.deleteEntity(PARTITION, rowOf(send));
      } catch (error) {
        if (!isNotFound(error)) throw storageError(error, 'remove a send in flight');
      }
    },

    async queuedBefore(before, limit) {
      const filter = `PartitionKey eq '${PARTITION}' and RowKey lt ${odataString(before.toISOString())}`;
      const sends: SendInFlight[] = [];
      try {
        const rows = client.listEntities<Record<string, unknown>>({ queryOptions: { filter } });
        for await (const row of rows) {
          sends.push({
            pointer: { threadId: String(row.threadId), conversation: Number(row.conversation), m: Number(row.m) },
            queuedAt: String(row.queuedAt),
          });
          if (sends.length >= limit) break;
        }
      } catch (error) {
        throw storageError(error, 'read the sends in flight');
      }
      return sends;
    },
  };
}
