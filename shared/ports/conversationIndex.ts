import type { ConversationState } from '../domain/conversationState';
import type { IndexSnapshot, ThreadParties } from '../domain/indexSnapshot';
import type { ConversationRecord } from '../domain/thread';

/**
 * The conversations index: one entry per conversation, filed under its state and its activity, so that listing a
 * state (and queue) reads the index instead of every thread. A state reads newest activity first, then by
 * conversation id (domain/conversationActivity.ts), and "idle since before T" is a range of it.
 *
 * The conversation itself is the truth. Its entry is a function of it (state, activity, id), so anyone holding
 * the conversation knows which entry it calls for, and an entry that differs is stale by definition. The index
 * is written after the thread's change commits, not with it. It knows, per state, which entry each conversation
 * is filed under, so a move removes the entry that is there, whatever activity it was filed at; and a writer that
 * knows who the conversation is with (`parties`) keeps a snapshot of it in the entry (domain/indexSnapshot.ts).
 * A message moves no entry on its hot path: the `conversation-index` reaction files the conversation again after
 * each of its channel events, so entries and snapshots catch up, and a listing can answer from them alone
 * (docs/architecture.md §conversationIndex).
 */

/** Opaque position in one state's listing: handed back as `after`, to the index that gave it out. */
export type Cursor = string;

export interface IndexEntry {
  state: ConversationState;
  conversationId: string;
  threadId: string;
  n: number;
  queue: string;
  activityAt: string;
  /** The conversation as it was written with this entry; absent on entries written without the parties. */
  snapshot?: IndexSnapshot;
  /** This entry's position: scanning after it reads on from here. */
  cursor: Cursor;
}

export interface ScanOptions {
  queue?: string;
  /** Only entries after this position. */
  after?: Cursor;
  /** Only entries whose activity is before this time (idle ones). */
  activityBefore?: Date;
  /** How many entries one read fetches; the scan still yields them all. */
  pageSize?: number;
}

export interface ConversationIndex {
  /**
   * After a thread change committed: files `after` under the entry it calls for, and removes the entry it was filed
   * under in `before`'s state. With no `before` (or another conversation's), `after` is new and has no entry yet.
   */
  record(
    threadId: string,
    before: ConversationRecord | undefined,
    after: ConversationRecord,
    parties?: ThreadParties,
  ): Promise<void>;
  /**
   * Files a conversation under the entry it calls for (idempotent), with its snapshot when the parties are given,
   * and removes the entry it was filed under in any state.
   */
  put(threadId: string, conversation: ConversationRecord, parties?: ThreadParties): Promise<void>;
  /** Removes an entry a scan gave out, at the position it gave; an entry already gone is fine. */
  remove(entry: IndexEntry): Promise<void>;
  /** Entries of one state in listing order (newest activity first). */
  scan(state: ConversationState, options?: ScanOptions): AsyncIterable<IndexEntry>;
}
