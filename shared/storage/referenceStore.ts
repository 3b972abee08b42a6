import type { TableClient } from '@azure/data-tables';

import { type DeliveryReported, inboundEventSchema } from '../domain/inboundEvent';
import { normalizeReferenceId } from '../domain/referenceId';
import type { ReferenceStore } from '../ports/referenceStore';
import { encodeKey, odataString } from './keys';
import { isNotFound, storageUnavailable } from './storageErrors';

/**
 * The reference store on the `references` table: one partition per (normalised) reference id, holding the
 * pointer row and the reports pending on it.
 */
const POINTER_ROW = 'message';
const pendingRow = (eventId: string) => `pending-${encodeKey(eventId)}`;
const partitionOf = (referenceId: string) => encodeKey(normalizeReferenceId(referenceId));

export function createReferenceStore(client: TableClient): ReferenceStore {
  return {
    async get(referenceId) {
      try {
        const row = await client.getEntity<Record<string, unknown>>(partitionOf(referenceId), POINTER_ROW);
        return { threadId: String(row.threadId), conversation: Number(row.conversation), m: Number(row.m) };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw storageUnavailable(error);
      }
    },

    async put(referenceId, pointer) {
      try {
        await client.upsertEntity(
          { partitionKey: partitionOf(referenceId), rowKey: POINTER_ROW, ...pointer },
          'Replace',
        );
      } catch (error) {
        throw storageUnavailable(error);
      }
    },

    async addPending(report) {
      try {
        await client.upsertEntity(
          {
            partitionKey: partitionOf(report.referenceId),
            rowKey: pendingRow(report.eventId),
            event: JSON.stringify(report),
          },
          'Replace',
        );
      } catch (error) {
        throw storageUnavailable(error);
      }
    },

    async listPending(referenceId) {
      const partition = partitionOf(referenceId);
      const filter = `PartitionKey eq ${odataString(partition)} and RowKey ge 'pending-' and RowKey lt 'pending.'`;
      const reports: DeliveryReported[] = [];
      try {
        for await (const row of client.listEntities<{ event: string }>({ queryOptions: { filter } })) {
          const parsed = inboundEventSchema.safeParse(JSON.parse(row.event));
          if (parsed.success && parsed.data.type === 'delivery.reported') reports.push(parsed.data);
        }
      } catch (error) {
        throw storageUnavailable(error);
      }
      return reports;
    },

    async removePending(report) {
      try {
        await client.deleteEntity(partitionOf(report.referenceId), pendingRow(report.eventId));
      } catch (error) {
        if (!isNotFound(error)) throw storageUnavailable(error);
      }
    },
  };
}
