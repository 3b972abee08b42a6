import type { TelesignAccount } from '../config';
import type {
  ChannelEvent,
  ConversationStateChangedEvent,
  MessageReceivedEvent,
  MessageSentEvent,
  MessageStatusChangedEvent,
} from '../domain/channelEvents';
import { formatPhone } from '../domain/phoneFormat';
import { parseConversationId } from '../domain/thread';
import { DynamicsError, isDynamicsError } from '../dynamics/dynamicsError';
import type { MessagingClient } from '../dynamics/messagingClient';
import type { DynamicsSettings } from '../dynamics/settings';
import { DeadLetterError } from '../errors';
import type { Logger } from '../log';
import type { DynamicsLinkStore } from '../ports/dynamicsLinks';
import type { MarkerKey, ThreadStore } from '../ports/threadStore';
import { conversationContextOf } from './dynamicsContext';
import { createWithStartMessage } from './dynamicsCreate';
import {
  type ConversationAt,
  inDynamicsMarker,
  linkConversation,
  postInDynamics,
  readConversation,
} from './dynamicsLinking';
import { callDynamics, type DynamicsRetryOptions } from './dynamicsRetry';
import type { Recreated } from './recreateDynamicsConversation';

/**
 * The relay (docs/dynamics-protocol.md §3, §4, §6): each channel event of a thread, in order (one Service Bus
 * session per thread), becomes what the agent must see in the Dynamics conversation that mirrors ours. The first
 * customer message creates that conversation; later ones, our own replies and delivery failures are posted into
 * it with our ids, so a redelivered event posts the same activity again rather than a new one. What an agent
 * sent (origin `dynamics`) is never mirrored back.
 */
export type RelayOptions = DynamicsRetryOptions;

export interface RelayDeps extends RelayOptions {
  settings: DynamicsSettings;
  /**
   * Set when `DYNAMICS_ON_CONVERSATION_NOT_FOUND=recreate`: a customer message whose Dynamics conversation ended
   * there goes to a new one (shared/services/recreateDynamicsConversation.ts). Unset, it is dead-lettered.
   */
  recreate?: (event: MessageReceivedEvent, goneDynamicsId: string) => Promise<Recreated>;
  accounts: readonly TelesignAccount[];
  threads: ThreadStore;
  links: DynamicsLinkStore;
  messaging: MessagingClient;
  now: () => Date;
  logger: Logger;
}

export async function relayToDynamics(event: ChannelEvent, deps: RelayDeps): Promise<void> {
  switch (event.type) {
    case 'message.received':
      return relayCustomerMessage(event, deps);
    case 'message.sent':
      return relaySentMessage(event, deps);
    case 'message.status_changed':
      return relayStatusChange(event, deps);
    case 'conversation.state_changed':
      return relayClose(event, deps);
    default:
      // conversation.started and consent.changed: the message events that go with them carry what the agent sees.
      return;
  }
}

async function conversationOf(event: ChannelEvent, deps: RelayDeps, marker?: MarkerKey): Promise<ConversationAt> {
  const id = parseConversationId(event.conversationId);
  const found = id && (await readConversation(deps.threads, id.threadId, id.n, marker));
  // The event is published after its change was committed, so a missing conversation is a read that went wrong.
  if (!found) throw new Error(`Conversation ${event.conversationId} was not found for event ${event.id}.`);
  return found;
}

async function relayCustomerMessage(event: MessageReceivedEvent, deps: RelayDeps): Promise<void> {
  const at = await conversationOf(event, deps, inDynamicsMarker(event.messageId));
  const linked = at.conversation.dynamicsConversationId;
  // Redelivered after the create that took it as its start message, or after its post: in Dynamics already.
  if (linked && at.applied) return;
  if (linked) {
    const message = { id: event.messageId, text: event.text };
    const posted = await postMessage(deps, linked, message, event, { required: !deps.recreate });
    if (posted === 'gone' && deps.recreate) await deps.recreate(event, linked);
    return;
  }

  const text = event.text.trim() === '' ? undefined : event.text;
  const target = { threadId: at.thread.threadId, n: at.conversation.n, messageId: event.messageId };
  const created = await createWithStartMessage(deps, target, {
    customerId: event.conversationId,
    phoneNumber: formatPhone(event.from.digits, deps.settings.phoneFormat),
    context: conversationContextOf(event, event.conversationId, at.conversation, deps.accounts),
    ...(text === undefined ? {} : { startMessage: { text } }),
    requestId: event.inboundEventId,
    skipDeflectionBot: deps.settings.skipDeflectionBot,
  });
  await linkConversation(deps, {
    threadId: target.threadId,
    n: target.n,
    dynamicsConversationId: created.conversationId,
    // Posted below, and marked by its post, when the create did not take it: a redelivery after a failure in
    // between then finds the link without the marker, and posts it.
    ...(created.postStart ? {} : { startMessageId: event.messageId }),
  });
  deps.logger.info('Dynamics conversation linked', {
    conversationId: event.conversationId,
    dynamicsConversationId: created.conversationId,
    isNew: created.isNew,
  });
  // Dynamics uses a start message only when it creates the conversation (§3.1): one it had before has not seen it.
  if (created.postStart && text !== undefined) {
    await postMessage(deps, created.conversationId, { id: event.messageId, text }, event, { required: true });
  }
}

async function relaySentMessage(event: MessageSentEvent, deps: RelayDeps): Promise<void> {
  // An agent's reply came from Dynamics, and its failure is told to the agent by applyAgentActivity, which alone
  // knows whether the activity will be retried (a transient failure) or not; a notice here would be a second, or a
  // wrong, one.
  if (event.origin === 'dynamics') return;
  const copy = { id: event.messageId, text: event.text, automated: true };
  const at = await linkedConversation(event, deps, copy);
  if (!at) return;
  if (!at.posted) await postMessage(deps, at.linked, copy, event);
  if (event.status === 'failed') {
    const failed = notice(event.messageId, 'failed', event.failure?.reason ?? 'the send failed');
    if (!(await deps.threads.read(event.threadId, inDynamicsMarker(failed.id))).applied)
      await postMessage(deps, at.linked, failed, event);
  }
}

async function relayStatusChange(event: MessageStatusChangedEvent, deps: RelayDeps): Promise<void> {
  if (event.to !== 'failed' && event.to !== 'expired') return;
  const told = notice(event.messageId, event.to, event.description ?? event.to);
  const at = await linkedConversation(event, deps, told);
  if (at && !at.posted) await postMessage(deps, at.linked, told, event);
}

async function relayClose(event: ConversationStateChangedEvent, deps: RelayDeps): Promise<void> {
  if (event.to !== 'closed') return;
  const at = await linkedConversation(event, deps);
  if (!at) return;
  try {
    await callDynamics(
      'the end of conversation',
      () => deps.messaging.postActivity(at.linked, { type: 'endOfConversation' }),
      deps.logger,
      deps,
    );
  } catch (error) {
    // Closed in Dynamics already (§6): there is nothing left to end.
    if (!(isDynamicsError(error) && error.kind === 'not_found')) throw error;
  }
}

/**
 * The Dynamics conversation the event's conversation is linked to; with `activity`, whether that activity of ours
 * is in it already (its marker, read beside the thread: a redelivery after its post).
 */
async function linkedConversation(
  event: ChannelEvent,
  deps: RelayDeps,
  activity?: { id: string },
): Promise<{ linked: string; posted: boolean } | undefined> {
  const at = await conversationOf(event, deps, activity && inDynamicsMarker(activity.id));
  const linked = at.conversation.dynamicsConversationId;
  if (!linked) deps.logger.info('not linked to Dynamics; not relayed', { type: event.type, eventId: event.id });
  return linked ? { linked, posted: at.applied } : undefined;
}

/** What the agent must read about a message that did not reach the customer (§4). */
function notice(messageId: string, status: string, reason: string) {
  return { id: `${messageId}-${status}`, text: `Not delivered: ${reason.slice(0, 500)}`, automated: true };
}

/**
 * A message that meets a closed Dynamics conversation (404, §6) answers `gone`; a `required` one (a customer
 * message with nowhere else to go) is dead-lettered instead, so it is not lost. Our own automated messages are
 * only a copy of what is stored here, and are dropped with a warning.
 */
async function postMessage(
  deps: RelayDeps,
  dynamicsConversationId: string,
  message: { id: string; text: string; automated?: boolean },
  event: ChannelEvent,
  options: { required?: boolean } = {},
): Promise<'posted' | 'gone'> {
  try {
    await postInDynamics(deps, event.threadId, dynamicsConversationId, message);
    return 'posted';
  } catch (error) {
    if (!(isDynamicsError(error) && error.kind === 'not_found')) throw error;
    deps.logger.warn('the Dynamics conversation is closed', {
      eventId: event.id,
      conversationId: event.conversationId,
      dynamicsConversationId,
      ...error.toLog(),
    });
    if (!options.required) return 'gone';
    throw new DeadLetterError('dynamics_conversation_closed', closedDescription(dynamicsConversationId, error), {
      cause: error,
    });
  }
}

function closedDescription(dynamicsConversationId: string, error: DynamicsError): string {
  const correlation = error.correlationId ? `, correlation id ${error.correlationId}` : '';
  return `Dynamics conversation ${dynamicsConversationId} is closed or gone (HTTP 404${correlation}).`;
}
