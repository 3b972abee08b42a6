import { type ConsentSignal, detectConsentKeyword } from './consent';
import { type ConversationState, startsNewConversation, transition } from './conversationState';
import type { MessageReceived } from './inboundEvent';
import type { RoutingRules } from './routingRules';
import { estimateSegments } from './segments';
import { startConversation } from './startConversation';
import type { ConversationRecord, MessageRecord, ThreadRecord } from './thread';

export interface InboundContext {
  rules: RoutingRules;
  /** The support number's default language, which routing rules may match on. */
  language?: string;
  now: string;
}

export interface InboundPlan {
  thread: ThreadRecord;
  conversation: ConversationRecord;
  message: MessageRecord;
  startedConversation: boolean;
  /** The states it moved the conversation it joined between (waiting → active or open), when it moved it. */
  moved?: { from: ConversationState; to: ConversationState };
  consent: ConsentSignal;
}

/**
 * What one inbound message does to its thread: join the latest conversation unless it is closed (or there is
 * none), in which case a new one starts, linked to the previous and classified by the routing rules.
 */
export function applyInboundMessage(
  current: ThreadRecord | undefined,
  event: MessageReceived,
  ctx: InboundContext,
): InboundPlan {
  const consent = detectConsentKeyword(event.text);
  const previous = current?.conversation;
  const startNew = !previous || startsNewConversation(previous.state);

  let conversation: ConversationRecord;
  if (startNew) {
    conversation = startConversation(previous, {
      rules: ctx.rules,
      supportNumber: event.to,
      text: event.text,
      language: ctx.language,
      now: ctx.now,
    });
  } else {
    const moved = transition(previous, { kind: 'inbound' });
    // An inbound message to a conversation that is not closed always has a transition.
    conversation = moved.ok ? { ...previous, state: moved.state, agentId: moved.agentId } : { ...previous };
  }

  const m = startNew ? 1 : current!.nextMessage;
  const segments = estimateSegments(event.text);
  conversation = {
    ...conversation,
    updatedAt: ctx.now,
    lastMessageAt: ctx.now,
    inboundCount: conversation.inboundCount + 1,
    possibleOptOut: consent.kind === 'possible_opt_out' ? true : conversation.possibleOptOut,
  };

  const message: MessageRecord = {
    conversation: conversation.n,
    m,
    direction: 'inbound',
    text: event.text,
    segments: segments.segments,
    encoding: segments.encoding,
    createdAt: ctx.now,
    referenceId: event.referenceId,
    eventId: event.eventId,
    telesignTimestamp: event.telesignTimestamp,
    isoCountryCode: event.isoCountryCode,
    consentSignal: consent.kind,
    consentKeyword: consent.kind === 'none' ? undefined : consent.keyword,
  };

  const thread: ThreadRecord = {
    threadId: event.threadId,
    account: event.account,
    supportNumber: event.to,
    customerNumber: event.from,
    createdAt: current?.createdAt ?? ctx.now,
    updatedAt: ctx.now,
    conversation,
    nextMessage: m + 1,
  };

  const moved =
    previous && !startNew && previous.state !== conversation.state
      ? { from: previous.state, to: conversation.state }
      : undefined;
  return { thread, conversation, message, startedConversation: startNew, moved, consent };
}
