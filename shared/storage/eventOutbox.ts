import type { TableClient, TransactionAction } from '@azure/data-tables';

import { type ChannelEvent, channelEventSchema } from '../domain/channelEvents';
import type { EventOutbox } from '../ports/eventOutbox';
import { prefixedKey } from './keys';
import { joinColumn, splitColumn } from './propertyParts';
import { isNotFound, storageError } from './storageErrors';

/**
 * The outbox on the `outbox` table: one partition (it holds only what an outage left behind), a row per event
 * keyed by its time then its id, so a query reads them oldest first. The event is kept whole, as JSON (split over
 * `event1`… when it is longer than a property holds, `propertyParts.ts`).
 */
const PARTITION = 'pending';
const rowOf = (event: ChannelEvent) => prefixedKey(`${event.at}-`, event.id);
// A table batch holds at most 100 operations.
const BATCH = 100;

export function createEventOutbox(client: TableClient): EventOutbox {
  const inBatches = async (actions: TransactionAction[]) => {
    for (let i = 0; i < actions.length; i += BATCH) await client.submitTransaction(actions.slice(i, i + BATCH));
  };
  return {
    async keep(events) {
      if (events.length === 0) return;
      try {
        await inBatches(
          events.map((event) => [
            'upsert',
            { partitionKey: PARTITION, rowKey: rowOf(event), ...splitColumn('event', JSON.stringify(event)) },
            'Replace',
          ]),
        );
      } catch (error) {
        throw storageError(error, 'keep channel events in the outbox');
      }
    },

    async pending(limit) {
      const events: ChannelEvent[] = [];
      try {
        const rows = client.listEntities<Record<string, unknown>>({
          queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
        });
        for await (const row of rows) {
          // Written by keep() from a valid event; a row that no longer reads as one (a newer schema) is left be.
          const parsed = channelEventSchema.safeParse(JSON.parse(joinColumn(row, 'event') ?? 'null'));
          if (parsed.success) events.push(parsed.data);
          if (events.length >= limit) break;
        }
      } catch (error) {
        throw storageError(error, 'read the outbox');
      }
      return events;
    },

    async remove(events) {
      try {
        for (const event of events) {
          await client.deleteEntity(PARTITION, rowOf(event)).catch((error: unknown) => {
            if (!isNotFound(error)) throw error;
          });
        }
      } catch (error) {
        throw storageError(error, 'remove published events from the outbox');
      }
    },
  };
}
