import type { MessagePointer } from './referenceStore';

/**
 * Sends between their `queued` record and Telesign's recorded answer, across every thread, so that the sweep
 * (shared/services/stuckSends.ts) finds a send a crash interrupted without reading every thread. A send adds its
 * entry before it commits `queued` and removes it once its outcome is recorded: what stays behind is either in
 * flight or stuck. The message is the truth; an entry only says where to look.
 */
export interface SendInFlight {
  pointer: MessagePointer;
  /** The message's `createdAt`: when it was recorded `queued` (ISO 8601). */
  queuedAt: string;
}

export interface SendsInFlight {
  /** Adding the same entry again is fine. */
  add(send: SendInFlight): Promise<void>;
  /** Removing an entry that is not there is fine. */
  remove(send: SendInFlight): Promise<void>;
  /** Entries queued before `before`, oldest first, at most `limit`. */
  queuedBefore(before: Date, limit: number): Promise<SendInFlight[]>;
}
