import { compact } from '../domain/compact';
import type { ConversationState } from '../domain/conversationState';
import type { MessageStatus } from '../domain/deliveryStatus';
import { toE164 } from '../domain/phone';
import { conversationIdOf, messageIdOf, type MessageRecord, type StatusChange } from '../domain/thread';
import type { ConsentRecord } from '../ports/consentStore';
import type { ConversationView } from '../ports/conversationReader';

/**
 * What the conversations API answers (docs/openapi.yaml describes the same shapes). Numbers are given in both
 * forms: `e164` is what Dynamics matches contacts on, `digits` is Telesign's form.
 */
export interface PhoneNumber {
  e164: string;
  digits: string;
}

export interface Conversation {
  id: string;
  state: ConversationState;
  queue: string;
  priority: number;
  rule?: string;
  agentId?: string;
  /** The agent's display name, when the agent came from Dynamics. */
  agentName?: string;
  account: string;
  supportNumber: PhoneNumber;
  customerNumber: PhoneNumber;
  createdAt: string;
  lastActivityAt: string;
  lastMessageAt?: string;
  closedAt?: string;
  closeReason?: string;
  previousConversationId?: string;
  inboundCount: number;
  outboundCount: number;
  possibleOptOut: boolean;
}

export interface ConversationDetail extends Conversation {
  /** `none`: the customer never sent a consent keyword to this account, so messages are allowed. */
  consent: { state: 'opted_in' | 'opted_out' | 'none'; keyword?: string; since?: string };
}

export interface Message {
  id: string;
  direction: 'inbound' | 'outbound';
  text: string;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
  createdAt: string;
  /** Inbound messages are `received`; outbound ones follow queued → sent → delivered | failed | expired | unknown. */
  status: MessageStatus | 'received';
  timeline: Array<{ status: MessageStatus; at: string; code?: number; description?: string }>;
  referenceId?: string;
  consentSignal?: string;
  failure?: { code: string; reason?: string };
}

const phone = (digits: string): PhoneNumber => ({ e164: toE164(digits), digits });

export function conversationOf(view: ConversationView): Conversation {
  const c = view.conversation;
  return compact({
    id: conversationIdOf(view.threadId, c.n),
    state: c.state,
    queue: c.queue,
    priority: c.priority,
    rule: c.rule,
    agentId: c.agentId,
    agentName: c.agentName,
    account: view.account,
    supportNumber: phone(view.supportNumber),
    customerNumber: phone(view.customerNumber),
    createdAt: c.createdAt,
    lastActivityAt: c.updatedAt,
    lastMessageAt: c.lastMessageAt,
    closedAt: c.closedAt,
    closeReason: c.closeReason,
    previousConversationId: c.previous === undefined ? undefined : conversationIdOf(view.threadId, c.previous),
    inboundCount: c.inboundCount,
    outboundCount: c.outboundCount,
    possibleOptOut: c.possibleOptOut === true,
  });
}

export function conversationDetailOf(view: ConversationView, consent: ConsentRecord | undefined): ConversationDetail {
  return {
    ...conversationOf(view),
    consent: consent ? { state: consent.state, keyword: consent.keyword, since: consent.at } : { state: 'none' },
  };
}

const change = (s: StatusChange) => compact({ status: s.status, at: s.at, code: s.code, description: s.description });

export function messageOf(threadId: string, m: MessageRecord): Message {
  return compact({
    id: messageIdOf({ threadId, conversation: m.conversation, m: m.m }),
    direction: m.direction,
    text: m.text,
    segments: m.segments,
    encoding: m.encoding,
    createdAt: m.createdAt,
    status: m.direction === 'inbound' ? 'received' : (m.status ?? 'queued'),
    timeline: (m.timeline ?? []).map(change),
    referenceId: m.referenceId,
    consentSignal: m.consentSignal && m.consentSignal !== 'none' ? m.consentSignal : undefined,
    failure: m.failureCode ? compact({ code: m.failureCode, reason: m.failureReason }) : undefined,
  });
}
