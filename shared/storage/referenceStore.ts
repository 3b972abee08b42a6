import type { TableClient } from '@azure/data-tables';

import { type DeliveryReported, inboundEventSchema } from '../domain/inboundEvent';
import { normalizeReferenceId } from '../domain/referenceId';
import type { MessagePointer, ReferenceStore } from '../ports/referenceStore';
import { encodeKey, odataString, prefixedKey } from './keys';
import { joinColumn, splitColumn } from './propertyParts';
import { isConflict, isNotFound, storageError } from './storageErrors';

/**
 * The reference store on the `references` table: one partition per (normalised) reference id, holding the
 * pointer row and the reports pending on it. A pending report is kept as JSON in `event` (split over `event1`…
 * when it is longer than a property holds, `propertyParts.ts`). The `message` row is the pointer, or, before the
 * send records it, the mark a parked report leaves (`reportsWaiting`): the send's insert of the pointer conflicts
 * with that mark, and only then does it list the parked reports (ports/referenceStore.ts).
 */
const POINTER_ROW = 'message';
const pendingRow = (eventId: string) => prefixedKey('pending-', eventId);
const partitionOf = (referenceId: string) => encodeKey(normalizeReferenceId(referenceId));

export function createReferenceStore(client: TableClient): ReferenceStore {
  async function get(referenceId: string): Promise<MessagePointer | undefined> {
    try {
      const row = await client.getEntity<Record<string, unknown>>(partitionOf(referenceId), POINTER_ROW);
      if (row.threadId === undefined) return undefined; // only the mark of a parked report
      return { threadId: String(row.threadId), conversation: Number(row.conversation), m: Number(row.m) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storageError(error, 'read a reference');
    }
  }

  /** Creates the `message` row; false when it exists (a pointer, or a parked report's mark). */
  async function insert(referenceId: string, properties: Record<string, unknown>, what: string): Promise<boolean> {
    try {
      await client.createEntity({ partitionKey: partitionOf(referenceId), rowKey: POINTER_ROW, ...properties });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw storageError(error, what);
    }
  }

  return {
    get,

    async put(referenceId, pointer) {
      if (await insert(referenceId, { ...pointer }, 'record a reference')) return { reportsWaiting: false };
      try {
        await client.upsertEntity(
          { partitionKey: partitionOf(referenceId), rowKey: POINTER_ROW, ...pointer },
          'Replace',
        );
      } catch (error) {
        throw storageError(error, 'record a reference');
      }
      return { reportsWaiting: true };
    },

    async addPending(report) {
      try {
        await client.upsertEntity(
          {
            partitionKey: partitionOf(report.referenceId),
            rowKey: pendingRow(report.eventId),
            ...splitColumn('event', JSON.stringify(report)),
          },
          'Replace',
        );
      } catch (error) {
        throw storageError(error, 'park a delivery report');
      }
      // Written after the report, so a send whose pointer insert meets this mark lists a report already parked.
      if (await insert(report.referenceId, { reportsWaiting: true }, 'park a delivery report')) return undefined;
      return get(report.referenceId);
    },

    async listPending(referenceId) {
      const partition = partitionOf(referenceId);
      const filter = `PartitionKey eq ${odataString(partition)} and RowKey ge 'pending-' and RowKey lt 'pending.'`;
      const reports: DeliveryReported[] = [];
      try {
        for await (const row of client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
          const parsed = inboundEventSchema.safeParse(JSON.parse(joinColumn(row, 'event') ?? 'null'));
          if (parsed.success && parsed.data.type === 'delivery.reported') reports.push(parsed.data);
        }
      } catch (error) {
        throw storageError(error, 'list the reports parked on a reference');
      }
      return reports;
    },

    async removePending(report) {
      try {
        await client.deleteEntity(partitionOf(report.referenceId), pendingRow(report.eventId));
      } catch (error) {
        if (!isNotFound(error)) throw storageError(error, 'remove a parked delivery report');
      }
    },
  };
}
