import type { MessageReceivedEvent } from '../domain/channelEvents';
import { formatPhone } from '../domain/phoneFormat';
import { conversationIdOf, parseConversationId } from '../domain/thread';
import type { DynamicsSettings } from '../dynamics/settings';
import { conversationContextOf } from './dynamicsContext';
import { createWithStartMessage } from './dynamicsCreate';
import { inDynamicsMarker, linkConversation, postInDynamics, readConversation } from './dynamicsLinking';
import type { NextConversation, NextConversationInput } from './nextConversation';
import type { RelayDeps } from './relayToDynamics';

/**
 * A customer message whose post met a 404 on the stored Dynamics conversation: it ended there
 * (docs/dynamics-protocol.md §6, `DYNAMICS_ON_CONVERSATION_NOT_FOUND=recreate`). Ours is closed with reason
 * `closed_in_dynamics`, the thread's next conversation is started, and a new Dynamics conversation is created for
 * it with the message as its start message. Once: each step finds what an earlier run did (a redelivery), and a
 * conversation of ours closed for another reason is not reopened; the message is then dropped with a log line.
 */
export const CLOSED_IN_DYNAMICS = 'closed_in_dynamics';

export interface RecreateDeps extends Omit<RelayDeps, 'settings'> {
  settings: Pick<DynamicsSettings, 'phoneFormat' | 'skipDeflectionBot'>;
  /** Closes our conversation, its reactions included (shared/app.ts). */
  closeConversation(conversationId: string, reason: string): Promise<void>;
  /** startNextConversation with its reactions run (shared/services/nextConversation.ts). */
  startNext(input: NextConversationInput): Promise<NextConversation>;
}

export type Recreated =
  | { kind: 'recreated' | 'posted'; conversationId: string; dynamicsConversationId: string }
  | { kind: 'dropped'; reason: string };

export async function recreateDynamicsConversation(
  event: MessageReceivedEvent,
  goneDynamicsId: string,
  deps: RecreateDeps,
): Promise<Recreated> {
  const id = parseConversationId(event.conversationId);
  const at = id && (await readConversation(deps.threads, id.threadId, id.n));
  if (!id || !at) throw new Error(`Conversation ${event.conversationId} was not found for event ${event.id}.`);

  if (at.conversation.state !== 'closed') {
    await deps.closeConversation(event.conversationId, CLOSED_IN_DYNAMICS);
  } else if (at.conversation.closeReason !== CLOSED_IN_DYNAMICS) {
    return dropped(event, deps, 'our conversation was closed here');
  }

  const next = await deps.startNext({ threadId: id.threadId, after: id.n, text: event.text });
  if (next.kind === 'none') return dropped(event, deps, `no next conversation (${next.reason})`);
  const nextId = conversationIdOf(id.threadId, next.conversation.n);
  const message = { id: event.messageId, text: event.text };

  const linked = next.conversation.dynamicsConversationId;
  if (linked) {
    // A redelivery after the link: the message started that conversation already (a start message has no id of
    // ours that Dynamics could deduplicate on), or was posted after the link and marked; else it is posted now.
    const started = await readConversation(
      deps.threads,
      id.threadId,
      next.conversation.n,
      inDynamicsMarker(event.messageId),
    );
    if (started?.applied) return { kind: 'recreated', conversationId: nextId, dynamicsConversationId: linked };
    await postInDynamics(deps, id.threadId, linked, message);
    return { kind: 'posted', conversationId: nextId, dynamicsConversationId: linked };
  }

  const text = event.text.trim() === '' ? undefined : event.text;
  const target = { threadId: id.threadId, n: next.conversation.n, messageId: event.messageId };
  const created = await createWithStartMessage(deps, target, {
    customerId: nextId,
    phoneNumber: formatPhone(event.from.digits, deps.settings.phoneFormat),
    context: {
      ...conversationContextOf(event, nextId, next.conversation, deps.accounts),
      previousConversationId: event.conversationId,
    },
    ...(text === undefined ? {} : { startMessage: { text } }),
    // Not the inbound event id alone: that one already asked for the conversation that ended.
    requestId: `${event.inboundEventId}-${next.conversation.n}`,
    skipDeflectionBot: deps.settings.skipDeflectionBot,
  });
  // Loop guard (§6): the ended conversation handed back again; the event is retried later, then dead-lettered.
  if (created.conversationId.toLowerCase() === goneDynamicsId.toLowerCase()) {
    throw new Error(`Dynamics returned the ended conversation ${goneDynamicsId} for ${nextId}.`);
  }
  await linkConversation(deps, {
    threadId: id.threadId,
    n: next.conversation.n,
    dynamicsConversationId: created.conversationId,
    // The message is the new conversation's start: a redelivery of its event finds this and posts nothing. When
    // the create did not take it, it is marked once its post below is in.
    ...(created.postStart ? {} : { startMessageId: event.messageId }),
  });
  if (created.postStart) await postInDynamics(deps, id.threadId, created.conversationId, message);
  deps.logger.info('Dynamics conversation recreated', {
    conversationId: nextId,
    previousConversationId: event.conversationId,
    dynamicsConversationId: created.conversationId,
  });
  return { kind: 'recreated', conversationId: nextId, dynamicsConversationId: created.conversationId };
}

function dropped(event: MessageReceivedEvent, deps: RecreateDeps, reason: string): Recreated {
  deps.logger.warn('customer message not posted to Dynamics: its conversation ended there', {
    eventId: event.id,
    conversationId: event.conversationId,
    reason,
  });
  return { kind: 'dropped', reason };
}
