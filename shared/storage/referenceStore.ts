import type { TableClient } from '@azure/data-tables';

import { type DeliveryReported, inboundEventSchema } from '../domain/inboundEvent';
import { normalizeReferenceId } from '../domain/referenceId';
import type { ReferenceStore } from '../ports/referenceStore';
import { encodeKey, odataString, prefixedKey } from './keys';
import { joinColumn, splitColumn } from './propertyParts';
import { isNotFound, storageError } from './storageErrors';

/**
 * The reference store on the `references` table: one partition per (normalised) reference id, holding the
 * pointer row and the reports pending on it. A pending report is kept as JSON in `event` (split over `event1`…
 * when it is longer than a property holds, `propertyParts.ts`).
 */
const POINTER_ROW = 'message';
const pendingRow = (eventId: string) => prefixedKey('pending-', eventId);
const partitionOf = (referenceId: string) => encodeKey(normalizeReferenceId(referenceId));

export function createReferenceStore(client: TableClient): ReferenceStore {
  return {
    async get(referenceId) {
      try {
        const row = await client.getEntity<Record<string, unknown>>(partitionOf(referenceId), POINTER_ROW);
        return { threadId: String(row.threadId), conversation: Number(row.conversation), m: Number(row.m) };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw storageError(error, 'read a reference');
      }
    },

    async put(referenceId, pointer) {
      try {
        await client.upsertEntity(
          { partitionKey: partitionOf(referenceId), rowKey: POINTER_ROW, ...pointer },
          'Replace',
        );
      } catch (error) {
        throw storageError(error, 'record a reference');
      }
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
