import type { TelesignAccount } from '../config';
import { conversationStartedEvent } from '../domain/channelEventsOf';
import type { RoutingRules } from '../domain/routingRules';
import { startConversation } from '../domain/startConversation';
import type { ConversationRecord, ThreadRecord } from '../domain/thread';
import type { Logger } from '../log';
import type { ConversationIndex } from '../ports/conversationIndex';
import type { ThreadStore } from '../ports/threadStore';
import { done, withOptimisticRetry } from './optimisticRetry';
import type { WithEvents } from './reactions';

/**
 * Starts a thread's next conversation after conversation `after` closed for a reason outside the thread: its
 * Dynamics conversation ended, so the customer's message that met the end needs a conversation of its own
 * (docs/dynamics-protocol.md §6). Once: when the thread has moved on already (a redelivery, or the customer
 * wrote again), the latest conversation is returned and nothing is started; while `after` is still open, or
 * is not the latest, nothing is started either.
 */
export interface NextConversationDeps {
  threads: ThreadStore;
  index: ConversationIndex;
  rules: RoutingRules;
  accounts: readonly TelesignAccount[];
  now: () => Date;
  logger: Logger;
}

export interface NextConversationInput {
  threadId: string;
  /** n of the conversation that closed. */
  after: number;
  /** The message that needs the new conversation: routing rules may classify on it. */
  text: string;
}

export type NextConversation =
  | { kind: 'started' | 'existing'; conversation: ConversationRecord }
  | { kind: 'none'; reason: 'no_thread' | 'still_open' | 'older' };

type Attempted = { result: NextConversation; thread?: ThreadRecord };

export async function startNextConversation(
  input: NextConversationInput,
  deps: NextConversationDeps,
): Promise<WithEvents<NextConversation>> {
  const attempted = await withOptimisticRetry<Attempted>(async () => {
    const state = await deps.threads.read(input.threadId);
    const thread = state.thread;
    const latest = thread?.conversation;
    if (!thread || !latest || !state.version) return done({ result: { kind: 'none', reason: 'no_thread' } });
    if (latest.n > input.after) return done({ result: { kind: 'existing', conversation: latest } });
    if (latest.n < input.after) return done({ result: { kind: 'none', reason: 'older' } });
    if (latest.state !== 'closed') return done({ result: { kind: 'none', reason: 'still_open' } });

    const now = deps.now().toISOString();
    const account = deps.accounts.find((a) => a.customerId.toLowerCase() === thread.account.toLowerCase());
    const language = account?.supportNumbers.find((s) => s.number === thread.supportNumber)?.defaultLanguage;
    const next = startConversation(latest, {
      rules: deps.rules,
      supportNumber: thread.supportNumber,
      text: input.text,
      language,
      now,
    });
    const head: ThreadRecord = { ...thread, conversation: next, nextMessage: 1, updatedAt: now };
    const outcome = await deps.threads.commit(input.threadId, state.version, { thread: head, conversations: [next] });
    if (outcome === 'conflict') return { committed: false };
    return done({ result: { kind: 'started', conversation: next }, thread: head });
  });

  const { result, thread } = attempted;
  if (result.kind !== 'started' || !thread) return { result, events: [] };
  // The closed conversation keeps its own entry; the new one gets its first.
  await deps.index.record(input.threadId, undefined, result.conversation, thread);
  deps.logger.info('next conversation started', {
    threadId: input.threadId,
    conversation: result.conversation.n,
    previous: input.after,
  });
  return { result, events: [conversationStartedEvent(thread, result.conversation, 'dynamics')] };
}
