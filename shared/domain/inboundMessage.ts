import { type ConsentSignal, detectConsentKeyword } from './consent';
import { initialConversationState, startsNewConversation, transition } from './conversationState';
import type { MessageReceived } from './inboundEvent';
import { classify, type RoutingRules } from './routingRules';
import { estimateSegments } from './segments';
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
    const route = classify(ctx.rules, { supportNumber: event.to, text: event.text, language: ctx.language });
    conversation = {
      n: (previous?.n ?? 0) + 1,
      state: initialConversationState,
      queue: route.queue,
      priority: route.priority,
      rule: route.rule,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      previous: previous?.n,
      inboundCount: 0,
      outboundCount: 0,
    };
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

  return { thread, conversation, message, startedConversation: startNew, consent };
}
