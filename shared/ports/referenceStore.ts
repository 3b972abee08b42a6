import type { DeliveryReported } from '../domain/inboundEvent';

/**
 * References: a Telesign reference id points a delivery report to its outbound message. A report can overtake
 * the send that is still recording its reference; it waits here, pending, until then. Reference ids are matched
 * whatever their case (domain/referenceId.ts).
 *
 * Both sides write first and look second (the report: pending, then pointer; the send: pointer, then pending
 * reports), so at least one of them sees the other. Applying twice is harmless: reports are deduplicated by
 * their event marker in the thread.
 */
export interface MessagePointer {
  threadId: string;
  conversation: number;
  m: number;
}

export interface ReferenceStore {
  get(referenceId: string): Promise<MessagePointer | undefined>;
  put(referenceId: string, pointer: MessagePointer): Promise<void>;
  /** Parks a report under its reference (again: idempotent, by event id). */
  addPending(report: DeliveryReported): Promise<void>;
  /** The reports parked under a reference, in event id order. */
  listPending(referenceId: string): Promise<DeliveryReported[]>;
  /** A report no longer parked is fine. */
  removePending(report: DeliveryReported): Promise<void>;
}
