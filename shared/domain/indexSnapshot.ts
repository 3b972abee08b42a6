import type { ConversationState } from './conversationState';
import type { ConversationRecord, ThreadRecord } from './thread';

/**
 * What an index entry keeps of its conversation so that a listing can answer from the entry alone
 * (docs/architecture.md §conversationIndex): the conversation as a list item shows it and who it is with.
 */

/** Who a conversation is with: the thread's numbers, which the conversation record does not carry. */
export type ThreadParties = Pick<ThreadRecord, 'account' | 'supportNumber' | 'customerNumber'>;

export interface IndexSnapshot extends ThreadParties {
  conversation: ConversationRecord;
}

/**
 * What an entry keeps of its conversation: the parts a list item shows (notes, up to 50, and the Dynamics link are
 * left out).
 */
export function snapshotOf(parties: ThreadParties | undefined, c: ConversationRecord): IndexSnapshot | undefined {
  if (!parties) return undefined;
  const { notes: _notes, dynamicsConversationId: _link, ...listed } = c;
  return {
    account: parties.account,
    supportNumber: parties.supportNumber,
    customerNumber: parties.customerNumber,
    conversation: listed,
  };
}

/**
 * Whether an entry's snapshot shows its conversation as it is, so the listing need not read the row. A message
 * joins or leaves a conversation without moving its entry (movesIndexEntry keeps the router's join at one read
 * and one batch), so the snapshot of a conversation that can still take messages lags in its counts and activity
 * until the `conversation-index` reaction files it again (`keptCurrent`: the channel events topic is there to feed
 * it). A closed conversation takes none: every change left to it (a note, an agent's change) goes through
 * `ConversationIndex.record`.
 */
export const listsFromSnapshot = (state: ConversationState, keptCurrent = false): boolean =>
  keptCurrent || state === 'closed';
