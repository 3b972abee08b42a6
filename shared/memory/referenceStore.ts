import { type DeliveryReported, inboundEventSchema } from '../domain/inboundEvent';
import { normalizeReferenceId } from '../domain/referenceId';
import type { MessagePointer, ReferenceStore } from '../ports/referenceStore';
import { copy } from './threadPartitions';

/** The reference store in memory: per normalised reference id, its pointer and the reports pending on it. */
export function createMemoryReferenceStore(): ReferenceStore {
  const references = new Map<string, { pointer?: MessagePointer; pending: Map<string, string> }>();
  const referenceOf = (referenceId: string) => {
    const key = normalizeReferenceId(referenceId);
    let reference = references.get(key);
    if (!reference) references.set(key, (reference = { pending: new Map() }));
    return reference;
  };

  return {
    async get(referenceId) {
      return copy(referenceOf(referenceId).pointer);
    },
    async put(referenceId, pointer) {
      referenceOf(referenceId).pointer = copy(pointer);
    },
    // Kept as JSON and read back through the schema, as the Table adapter does.
    async addPending(report) {
      referenceOf(report.referenceId).pending.set(report.eventId, JSON.stringify(report));
    },
    async listPending(referenceId) {
      const pending = [...referenceOf(referenceId).pending.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const reports: DeliveryReported[] = [];
      for (const [, json] of pending) {
        const parsed = inboundEventSchema.safeParse(JSON.parse(json));
        if (parsed.success && parsed.data.type === 'delivery.reported') reports.push(parsed.data);
      }
      return reports;
    },
    async removePending(report) {
      referenceOf(report.referenceId).pending.delete(report.eventId);
    },
  };
}
