import type { ChannelEvent } from '../domain/channelEvents';
import { parseConversationId } from '../domain/thread';
import type { Logger } from '../log';
import type { ConversationIndex } from '../ports/conversationIndex';
import type { ConversationReader } from '../ports/conversationReader';

export interface ConversationIndexingDeps {
  conversations: ConversationReader;
  index: ConversationIndex;
  logger: Logger;
}

/**
 * The `conversation-index` reaction: after any channel event of a conversation, files it again as its row says it
 * is now. A message moves no entry on its hot path (domain/conversationActivity.ts movesIndexEntry), so this is
 * what brings an entry's activity and snapshot up to date, and what repairs an entry a lost index write left
 * behind; the listing can then answer from the entries alone (docs/architecture.md §conversationIndex). It reads
 * the row rather than trusting the event, so events that arrive late, twice or out of order file the same thing.
 */
export async function fileConversationAgain(
  event: Pick<ChannelEvent, 'id' | 'type' | 'conversationId'>,
  deps: ConversationIndexingDeps,
): Promise<'filed' | 'no_conversation'> {
  const id = parseConversationId(event.conversationId);
  const view = id && (await deps.conversations.read(id.threadId, id.n));
  if (!view) {
    // Nothing to file: a conversation is never deleted, so this is an event about none of ours.
    deps.logger.warn('channel event of no stored conversation; nothing indexed', {
      eventId: event.id,
      conversationId: event.conversationId.slice(0, 128),
    });
    return 'no_conversation';
  }
  // A message's event (the most of them) moved no entry out of its state: the entry is looked for there only.
  // A conversation's own event may follow a state change whose index write was lost: every state is looked at.
  if (event.type.startsWith('conversation.')) await deps.index.put(view.threadId, view.conversation, view);
  else await deps.index.record(view.threadId, view.conversation, view.conversation, view);
  return 'filed';
}
