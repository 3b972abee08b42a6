import type { ConsentSignal } from './consent';
import type { ConversationState } from './conversationState';
import type { MessageStatus } from './deliveryStatus';

/**
 * The conversation model as the services see it, free of any storage shape. A thread is one (support number,
 * customer number) pair; it holds a sequence of conversations, of which only the last can be other than closed.
 */

export interface ConversationRecord {
  n: number;
  state: ConversationState;
  queue: string;
  priority: number;
  /** Which routing rule chose the queue, for an operator asking "why did this land here". */
  rule?: string;
  agentId?: string;
  /** The agent's display name, when the agent came from Dynamics (docs/dynamics-protocol.md §5). */
  agentName?: string;
  /** The Dynamics conversation that mirrors this one (docs/dynamics-protocol.md §3.1), once it was created. */
  dynamicsConversationId?: string;
  /** What happened in Dynamics that does not change the state (transfers, other events): newest last, capped. */
  notes?: ConversationNote[];
  createdAt: string;
  updatedAt: string;
  closedAt?: string;
  closeReason?: string;
  /** n of the conversation this one follows, when the thread had one before. */
  previous?: number;
  inboundCount: number;
  outboundCount: number;
  lastMessageAt?: string;
  /** Set by a message that may be an opt-out in free words ("stop texting me"): the agent decides. */
  possibleOptOut?: boolean;
}

/** One entry of a conversation's timeline of outside events (a Dynamics transfer, an unknown system event). */
export interface ConversationNote {
  at: string;
  /** Where it came from and what it was, e.g. `dynamics:TransferToQueueInitiated`. */
  event: string;
  agentId?: string;
  agentName?: string;
}

/** A conversation keeps its latest notes only, so a chatty event source cannot grow a row past its limit. */
export const CONVERSATION_NOTES_MAX = 50;

export interface ThreadRecord {
  threadId: string;
  account: string;
  supportNumber: string;
  customerNumber: string;
  createdAt: string;
  updatedAt: string;
  /** The thread's latest conversation (closed or not); absent only before the first message. */
  conversation?: ConversationRecord;
  /** Number the next message of the latest conversation will take. */
  nextMessage: number;
}

export interface StatusChange {
  status: MessageStatus;
  code?: number;
  description?: string;
  /** Telesign's time when it gave one, else ours. */
  at: string;
  eventId?: string;
}

export interface MessageRecord {
  conversation: number;
  m: number;
  direction: 'inbound' | 'outbound';
  text: string;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
  createdAt: string;
  /** Telesign's reference id: of the inbound message, or returned when we sent ours. */
  referenceId?: string;
  eventId?: string;
  telesignTimestamp?: string;
  /** The customer's country as Telesign reported it with an inbound message (ISO 3166-1 alpha-2). */
  isoCountryCode?: string;
  consentSignal?: ConsentSignal['kind'];
  consentKeyword?: string;
  status?: MessageStatus;
  timeline?: StatusChange[];
  senderId?: string;
  idempotencyKey?: string;
  /** Who asked for an outbound message: the HTTP API, the channel's automatic replies, or a Dynamics agent. */
  origin?: MessageOrigin;
  /** Why a send failed, kept so that a retry with the same idempotency key gets the same answer. */
  failureCode?: string;
  failureReason?: string;
  failureDetails?: string;
}

export const messageOrigins = ['api', 'auto_reply', 'dynamics'] as const;
export type MessageOrigin = (typeof messageOrigins)[number];

export const conversationIdOf = (threadId: string, n: number) => `${threadId}.${n}`;

/** `<conversationId>.<m>`: the id the HTTP API and the channel events give a message. */
export const messageIdOf = (p: { threadId: string; conversation: number; m: number }) =>
  `${conversationIdOf(p.threadId, p.conversation)}.${p.m}`;

export function parseConversationId(id: string): { threadId: string; n: number } | undefined {
  const match = /^([A-Za-z0-9_-]{1,64})\.([1-9]\d{0,8})$/.exec(id);
  return match ? { threadId: match[1], n: Number(match[2]) } : undefined;
}

/** The inverse of `messageIdOf`; undefined for anything that is not one of our message ids. */
export function parseMessageId(id: string): { threadId: string; conversation: number; m: number } | undefined {
  const [, conversationId, m] = /^(.+)\.([1-9]\d{0,8})$/.exec(id) ?? [];
  const conversation = conversationId ? parseConversationId(conversationId) : undefined;
  return conversation && { threadId: conversation.threadId, conversation: conversation.n, m: Number(m) };
}
