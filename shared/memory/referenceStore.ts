import { type DeliveryReported, inboundEventSchema } from '../domain/inboundEvent';
import { normalizeReferenceId } from '../domain/referenceId';
import type { MessagePointer, ReferenceStore } from '../ports/referenceStore';
import { copy } from './threadPartitions';

/** The reference store in memory: per normalised reference id, its pointer and the reports pending on it. */
export function createMemoryReferenceStore(): ReferenceStore {
  /** `awaited`: a parked report marked the reference, as the Table adapter's `message` row does. */
  const references = new Map<string, { pointer?: MessagePointer; awaited?: boolean; pending: Map<string, string> }>();
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
      const reference = referenceOf(referenceId);
      const reportsWaiting = reference.pointer !== undefined || reference.awaited === true;
      reference.pointer = copy(pointer);
      return { reportsWaiting };
    },
    // Kept as JSON and read back through the schema, as the Table adapter does.
    async addPending(report) {
      const reference = referenceOf(report.referenceId);
      reference.pending.set(report.eventId, JSON.stringify(report));
      if (reference.pointer) return copy(reference.pointer);
      reference.awaited = true;
      return undefined;
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
