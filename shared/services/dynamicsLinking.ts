import type { ConversationRecord, ThreadRecord } from '../domain/thread';
import type { MessagingClient } from '../dynamics/messagingClient';
import type { Logger } from '../log';
import type { DynamicsLinkStore } from '../ports/dynamicsLinks';
import type { MarkerKey, ThreadStore } from '../ports/threadStore';
import { callDynamics, type DynamicsRetryOptions } from './dynamicsRetry';
import { done, type RetryOptions, withOptimisticRetry } from './optimisticRetry';

/**
 * Both directions of the link between one of our conversations and its Dynamics conversation
 * (docs/dynamics-protocol.md §3.1, §5). The reverse link is stored first: once the record names the Dynamics
 * conversation, a webhook for it must find its way back, and a crash between the two writes only repeats the
 * create (which returns the same conversation through `customerid`; the create marker keeps the start message from
 * being posted again, shared/services/dynamicsCreate.ts).
 */
export interface ConversationAt {
  thread: ThreadRecord;
  conversation: ConversationRecord;
  /** The marker asked for exists. */
  applied: boolean;
}

/**
 * An activity of ours is in Dynamics (by its id: a customer message's, an automated copy's or a notice's), so a
 * redelivery of its event must not post it again: committed with the link when a customer message went in as the
 * start message of the create (not when Dynamics had the conversation already: the message is posted after the
 * link, and marked then), and written on its own after a post (`postInDynamics`). The key keeps the name it
 * had when only a start wrote it, so that markers already stored still count.
 */
export const inDynamicsMarker = (activityId: string): MarkerKey => ({ event: `dynamics-start-${activityId}` });

/**
 * Posts an activity of ours and marks it in Dynamics (`inDynamicsMarker`) once Dynamics took it: Dynamics is not
 * known to drop a repeated message id (docs/dynamics-protocol.md §4), and a post's event comes again when its
 * delivery is not completed (a lock lost, a failure after the post).
 */
export async function postInDynamics(
  deps: { threads: ThreadStore; messaging: MessagingClient; logger: Logger } & DynamicsRetryOptions,
  threadId: string,
  dynamicsConversationId: string,
  message: Parameters<MessagingClient['postMessage']>[1],
): Promise<void> {
  await callDynamics(
    'the message post',
    () => deps.messaging.postMessage(dynamicsConversationId, message),
    deps.logger,
    deps,
  );
  await deps.threads.mark(threadId, inDynamicsMarker(message.id));
}

/** The thread and conversation `n` of it, or undefined when either does not exist. */
export async function readConversation(
  threads: ThreadStore,
  threadId: string,
  n: number,
  marker?: MarkerKey,
): Promise<ConversationAt | undefined> {
  const { thread, applied } = await threads.read(threadId, marker);
  if (!thread) return undefined;
  const conversation = thread.conversation?.n === n ? thread.conversation : await threads.getConversation(threadId, n);
  return conversation ? { thread, conversation, applied } : undefined;
}

export async function linkConversation(
  deps: { threads: ThreadStore; links: DynamicsLinkStore; now: () => Date },
  /** `startMessageId`: the customer message the create put in the conversation, when it did. */
  link: { threadId: string; n: number; dynamicsConversationId: string; startMessageId?: string },
  retry?: RetryOptions,
): Promise<void> {
  await deps.links.put({
    dynamicsConversationId: link.dynamicsConversationId,
    threadId: link.threadId,
    conversation: link.n,
    linkedAt: deps.now().toISOString(),
  });
  await withOptimisticRetry(async () => {
    const state = await deps.threads.read(link.threadId);
    const thread = state.thread;
    if (!thread || !state.version) return done(undefined);
    const latest = thread.conversation?.n === link.n;
    const conversation = latest ? thread.conversation : await deps.threads.getConversation(link.threadId, link.n);
    if (!conversation || conversation.dynamicsConversationId === link.dynamicsConversationId) return done(undefined);
    const linked = { ...conversation, dynamicsConversationId: link.dynamicsConversationId };
    // The head keeps its own copy of the latest conversation; both must say the same.
    const result = await deps.threads.commit(link.threadId, state.version, {
      thread: latest ? { ...thread, conversation: linked } : thread,
      conversations: [linked],
      markers: link.startMessageId ? [{ key: inDynamicsMarker(link.startMessageId) }] : [],
    });
    return result === 'committed' ? done(undefined) : { committed: false };
  }, retry);
}
