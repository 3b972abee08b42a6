import type { DeliveryReported } from '../domain/inboundEvent';

/**
 * References: a Telesign reference id points a delivery report to its outbound message. A report can overtake
 * the send that is still recording its reference; it waits here, pending, until then. Reference ids are matched
 * whatever their case (domain/referenceId.ts).
 *
 * Both sides write first and look second, so at least one of them sees the other: a report parks itself, then
 * marks the reference as awaited (finding the pointer instead if the send recorded it first); the send records the
 * pointer over that mark, and only a mark it found sends it looking for parked reports. So neither side queries on
 * the common path (docs/architecture.md §Storage, references). Applying twice is harmless: reports are
 * deduplicated by their event marker in the thread.
 */
export interface MessagePointer {
  threadId: string;
  conversation: number;
  m: number;
}

export interface ReferenceStore {
  get(referenceId: string): Promise<MessagePointer | undefined>;
  /** Records the pointer (again replaces it); `reportsWaiting` when a report was parked on it first (or may be). */
  put(referenceId: string, pointer: MessagePointer): Promise<{ reportsWaiting: boolean }>;
  /**
   * Parks a report under its reference (again: idempotent, by event id), then answers the pointer if the send
   * recorded it meanwhile, else undefined: the send will find the report.
   */
  addPending(report: DeliveryReported): Promise<MessagePointer | undefined>;
  /** The reports parked under a reference, in event id order. */
  listPending(referenceId: string): Promise<DeliveryReported[]>;
  /** A report no longer parked is fine. */
  removePending(report: DeliveryReported): Promise<void>;
}
