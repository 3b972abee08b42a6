import type { ConversationState } from './conversationState';
import type { ConversationRecord } from './thread';

/**
 * Activity orders conversations: listings show the newest first, and the idle rule (auto-close) reads it. The
 * conversations index files each conversation under its state and activity; this is what "current" means there.
 */

/** The activity that orders a conversation: any message or state change moves `updatedAt`. */
export const activityOf = (c: ConversationRecord) => c.updatedAt;

/** Where a conversation sits in a listing. */
export interface ActivityPosition {
  activityAt: string;
  conversationId: string;
}

/** Listing order, across states too: newest activity first, then conversation id (in code-unit order). */
export function newestActivityFirst(a: ActivityPosition, b: ActivityPosition): number {
  const byActivity = Date.parse(b.activityAt) - Date.parse(a.activityAt);
  if (byActivity) return byActivity;
  return a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0;
}

/** Whether an index entry filed under this state and activity is the one the conversation calls for. */
export function isFiledAs(entry: { state: ConversationState; activityAt: string }, c: ConversationRecord): boolean {
  return entry.state === c.state && Date.parse(entry.activityAt) === Date.parse(activityOf(c));
}

/**
 * Starting a conversation or changing its state moves its entry: one write (and the old entry's delete). Mere
 * activity (a message) does not, to keep the inbound hot path at one read and one batch; the entry's order
 * catches up when a reader repairs it or the next state change moves it.
 */
export function movesIndexEntry(before: ConversationRecord | undefined, after: ConversationRecord): boolean {
  return !before || before.n !== after.n || before.state !== after.state;
}
