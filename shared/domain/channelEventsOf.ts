import { channelEventIds } from './channelEventIds';
import {
  CHANNEL_EVENT_SCHEMA_VERSION,
  type ChannelEvent,
  type ChannelEventBase,
  type ConversationStartedEvent,
  type ConversationStateChangedEvent,
  type MessageSentEvent,
  type MessageStatusChangedEvent,
  type PhoneNumber,
} from './channelEvents';
import type { ConsentState } from './consent';
import { type ConversationState, initialConversationState } from './conversationState';
import { toE164 } from './phone';
import type { StatusMove } from './statusChange';
import { sendOutcomeOf } from './statusChange';
import {
  conversationIdOf,
  type ConversationRecord,
  messageIdOf,
  type MessageRecord,
  type ThreadRecord,
} from './thread';

/**
 * The events of a change, built from the records the change stored and from nothing else (no clock, no input
 * that is not kept): so the first run and any replay that reads those records back give the same events.
 */

type ThreadHead = Pick<ThreadRecord, 'threadId' | 'account' | 'supportNumber' | 'customerNumber'>;

const phone = (digits: string): PhoneNumber => ({ digits, e164: toE164(digits) });
const messageIdIn = (threadId: string, message: MessageRecord) =>
  messageIdOf({ threadId, conversation: message.conversation, m: message.m });

const baseOf = (
  thread: Pick<ThreadRecord, 'threadId' | 'account'>,
  n: number,
  id: string,
  at: string,
): ChannelEventBase => ({
  schemaVersion: CHANNEL_EVENT_SCHEMA_VERSION,
  id,
  at,
  account: thread.account,
  threadId: thread.threadId,
  conversationId: conversationIdOf(thread.threadId, n),
});

export interface InboundApplied {
  thread: ThreadHead;
  /** The conversation the message joined or started, as stored. */
  conversation: ConversationRecord;
  message: MessageRecord;
  startedConversation: boolean;
  /**
   * The states the message moved its conversation between (waiting → active or open), when it moved it. Kept
   * apart from `conversation`, which a replay reads as it is today, not as the message left it.
   */
  moved?: { from: ConversationState; to: ConversationState };
  /** The consent this message set, when it changed the customer's consent. */
  consent?: { state: ConsentState; keyword: string; at: string };
}

/** An inbound message: it may start a conversation, move a waiting one, and change consent. */
export function inboundMessageEvents(applied: InboundApplied): ChannelEvent[] {
  const { thread, conversation, message } = applied;
  const inboundEventId = message.eventId!;
  const events: ChannelEvent[] = [];
  if (applied.startedConversation) events.push(conversationStartedEvent(thread, conversation, 'inbound'));
  events.push({
    ...baseOf(thread, conversation.n, channelEventIds.messageReceived(inboundEventId), message.createdAt),
    type: 'message.received',
    messageId: messageIdIn(thread.threadId, message),
    text: message.text,
    segments: message.segments,
    encoding: message.encoding,
    inboundEventId,
    referenceId: message.referenceId,
    from: phone(thread.customerNumber),
    to: phone(thread.supportNumber),
    telesignTimestamp: message.telesignTimestamp,
    startedConversation: applied.startedConversation,
    consent: { kind: message.consentSignal ?? 'none', keyword: message.consentKeyword },
  });
  if (applied.moved && applied.moved.from !== applied.moved.to) {
    const { from, to } = applied.moved;
    const id = channelEventIds.conversationStateChanged(
      conversationIdOf(thread.threadId, conversation.n),
      from,
      to,
      inboundEventId,
    );
    // No agent fields: an inbound message never changes the agent, and the one it had is on the assign event.
    events.push({
      ...baseOf(thread, conversation.n, id, message.createdAt),
      type: 'conversation.state_changed',
      cause: 'inbound',
      from,
      to,
      queue: conversation.queue,
    });
  }
  if (applied.consent) {
    events.push({
      ...baseOf(thread, conversation.n, channelEventIds.consentChanged(inboundEventId), applied.consent.at),
      type: 'consent.changed',
      customer: phone(thread.customerNumber),
      state: applied.consent.state,
      keyword: applied.consent.keyword,
      inboundEventId,
    });
  }
  return events;
}

export interface OutboundRecorded {
  thread: ThreadHead;
  conversation: ConversationRecord;
  message: MessageRecord;
  startedConversation: boolean;
}

/** An outbound message: it may have started its conversation; once the send recorded its outcome, it is sent. */
export function outboundMessageEvents(recorded: OutboundRecorded): ChannelEvent[] {
  const { thread, conversation, message } = recorded;
  const events: ChannelEvent[] = [];
  if (recorded.startedConversation) events.push(conversationStartedEvent(thread, conversation, 'outbound'));
  const sent = messageSentEvent(thread, message);
  if (sent) events.push(sent);
  return events;
}

function messageSentEvent(thread: ThreadHead, message: MessageRecord): MessageSentEvent | undefined {
  const outcome = sendOutcomeOf(message);
  if (!outcome || (outcome.status !== 'sent' && outcome.status !== 'unknown' && outcome.status !== 'failed')) {
    return undefined;
  }
  const messageId = messageIdIn(thread.threadId, message);
  return {
    ...baseOf(thread, message.conversation, channelEventIds.messageSent(messageId), outcome.at),
    type: 'message.sent',
    messageId,
    text: message.text,
    segments: message.segments,
    encoding: message.encoding,
    from: phone(thread.supportNumber),
    to: phone(thread.customerNumber),
    idempotencyKey: message.idempotencyKey,
    origin: message.origin,
    status: outcome.status,
    referenceId: outcome.status === 'sent' ? message.referenceId : undefined,
    code: outcome.code,
    description: outcome.description,
    failure:
      outcome.status === 'failed'
        ? { code: message.failureCode ?? 'internal_error', reason: message.failureReason ?? outcome.description ?? '' }
        : undefined,
  };
}

/** A delivery report (or the send path catching up on one) that moved an outbound message's status. */
export function messageStatusChangedEvent(
  thread: Pick<ThreadRecord, 'threadId' | 'account'>,
  message: MessageRecord,
  move: StatusMove,
): MessageStatusChangedEvent {
  const messageId = messageIdIn(thread.threadId, message);
  return {
    ...baseOf(thread, message.conversation, channelEventIds.messageStatusChanged(messageId, move.to), move.change.at),
    type: 'message.status_changed',
    messageId,
    referenceId: message.referenceId,
    from: move.from,
    to: move.to,
    code: move.change.code,
    description: move.change.description,
    reportEventId: move.change.eventId,
  };
}

export function conversationStartedEvent(
  thread: ThreadHead,
  conversation: ConversationRecord,
  cause: ConversationStartedEvent['cause'],
): ConversationStartedEvent {
  const conversationId = conversationIdOf(thread.threadId, conversation.n);
  return {
    ...baseOf(thread, conversation.n, channelEventIds.conversationStarted(conversationId), conversation.createdAt),
    type: 'conversation.started',
    cause,
    // As it started, whatever it became since: a replay reads today's row.
    state: initialConversationState,
    queue: conversation.queue,
    priority: conversation.priority,
    rule: conversation.rule,
    previousConversationId:
      conversation.previous === undefined ? undefined : conversationIdOf(thread.threadId, conversation.previous),
    customer: phone(thread.customerNumber),
    supportNumber: phone(thread.supportNumber),
  };
}

/** An agent's action (assign, wait, close) or the auto-close timer moved a conversation. */
export function conversationChangedEvent(
  thread: Pick<ThreadRecord, 'threadId' | 'account'>,
  before: ConversationRecord,
  after: ConversationRecord,
  cause: ConversationStateChangedEvent['cause'],
): ConversationStateChangedEvent {
  const id = channelEventIds.conversationStateChanged(
    conversationIdOf(thread.threadId, after.n),
    before.state,
    after.state,
    after.updatedAt,
    after.agentId ?? '',
  );
  return {
    ...baseOf(thread, after.n, id, after.updatedAt),
    type: 'conversation.state_changed',
    cause,
    from: before.state,
    to: after.state,
    agentId: after.agentId,
    previousAgentId: before.agentId,
    closeReason: after.state === 'closed' ? after.closeReason : undefined,
    queue: after.queue,
  };
}
