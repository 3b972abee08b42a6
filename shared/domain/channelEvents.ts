import { z } from 'zod';

import { conversationStates } from './conversationState';
import { messageStatuses } from './deliveryStatus';
import { messageOrigins } from './thread';

/**
 * What a committed change meant, for whoever reacts to it (automatic replies today; the Dynamics bridge and
 * outbound webhooks next). Each event stands alone: a reaction that sees one event, without its siblings, has
 * all it needs. The schema is a message body too (a topic per thread session), so it is versioned like the
 * InboundEvent, and every id is deterministic: replaying the same input gives the same events with the same
 * ids, which is what lets a broker drop duplicates and a consumer stay idempotent.
 */
export const CHANNEL_EVENT_SCHEMA_VERSION = 1;

/** A number in Telesign's form (`14252306549`) and in E.164 (`+14252306549`; a short code stays as it is). */
export const phoneNumberSchema = z.object({ digits: z.string(), e164: z.string() });
export type PhoneNumber = z.infer<typeof phoneNumberSchema>;

const base = {
  schemaVersion: z.literal(CHANNEL_EVENT_SCHEMA_VERSION),
  id: z.string().min(1).max(128),
  /** When the change happened, as stored (ISO 8601). */
  at: z.string().min(1),
  /** Telesign customer id of the thread's account. */
  account: z.string().min(1),
  threadId: z.string().min(1),
  conversationId: z.string().min(1),
};

/** The envelope alone: enough to route or skip an event whose type a reader does not know yet. */
export const channelEventBaseSchema = z.object(base);
/** What every channel event carries. */
export type ChannelEventBase = z.infer<typeof channelEventBaseSchema>;

const message = {
  /** `<conversationId>.<m>`: the id the HTTP API gives the message. */
  messageId: z.string().min(1),
  text: z.string(),
  segments: z.number().int().nonnegative(),
  encoding: z.enum(['GSM-7', 'UCS-2']),
};

const status = z.enum(messageStatuses);
const state = z.enum(conversationStates);

export const messageReceivedEventSchema = z.object({
  ...base,
  type: z.literal('message.received'),
  ...message,
  /** The InboundEvent that carried it: what follow-up work keys its own idempotency on. */
  inboundEventId: z.string().min(1),
  referenceId: z.string().optional(),
  /** The customer. */
  from: phoneNumberSchema,
  /** Our support number. */
  to: phoneNumberSchema,
  telesignTimestamp: z.string().optional(),
  /** True when this message started its conversation (its `conversation.started` is a sibling event). */
  startedConversation: z.boolean(),
  consent: z.object({
    kind: z.enum(['opt_out', 'opt_in', 'help', 'possible_opt_out', 'none']),
    keyword: z.string().optional(),
  }),
});
export type MessageReceivedEvent = z.infer<typeof messageReceivedEventSchema>;

export const messageSentEventSchema = z.object({
  ...base,
  type: z.literal('message.sent'),
  ...message,
  /** Our support number. */
  from: phoneNumberSchema,
  /** The customer. */
  to: phoneNumberSchema,
  idempotencyKey: z.string().optional(),
  /** Who asked for it (absent: the HTTP API): a reaction skips what it caused itself, e.g. the bridge an agent's reply. */
  origin: z.enum(messageOrigins).optional(),
  /**
   * What the call to Telesign came to: `sent` (accepted, `referenceId` set), `unknown` (Telesign may have it; a
   * delivery report will tell) or `failed` (the send gave up; `failure` says why). Later reports are
   * `message.status_changed` events.
   */
  status: z.enum(['sent', 'unknown', 'failed']),
  referenceId: z.string().optional(),
  /** Telesign's status code and description when it accepted the message. */
  code: z.number().int().optional(),
  description: z.string().optional(),
  failure: z.object({ code: z.string(), reason: z.string() }).optional(),
});
export type MessageSentEvent = z.infer<typeof messageSentEventSchema>;

export const messageStatusChangedEventSchema = z.object({
  ...base,
  type: z.literal('message.status_changed'),
  messageId: z.string().min(1),
  referenceId: z.string().optional(),
  from: status,
  to: status,
  /** Telesign's status code and description from the delivery report. */
  code: z.number().int().optional(),
  description: z.string().optional(),
  /** The delivery report (InboundEvent id) that made the change. */
  reportEventId: z.string().optional(),
});
export type MessageStatusChangedEvent = z.infer<typeof messageStatusChangedEventSchema>;

export const conversationStartedEventSchema = z.object({
  ...base,
  type: z.literal('conversation.started'),
  /**
   * `inbound`: the customer wrote first; `outbound`: we sent the first message; `dynamics`: the Dynamics
   * conversation had ended, so the customer's next message needed a new one (docs/dynamics-protocol.md §6).
   */
  cause: z.enum(['inbound', 'outbound', 'dynamics']),
  state,
  queue: z.string(),
  priority: z.number(),
  rule: z.string().optional(),
  /** The thread's conversation this one follows. */
  previousConversationId: z.string().optional(),
  customer: phoneNumberSchema,
  supportNumber: phoneNumberSchema,
});
export type ConversationStartedEvent = z.infer<typeof conversationStartedEventSchema>;

export const conversationStateChangedEventSchema = z.object({
  ...base,
  type: z.literal('conversation.state_changed'),
  /** What moved it: an inbound message, or an agent's (or the auto-close timer's) action. */
  cause: z.enum(['inbound', 'assign', 'wait', 'close']),
  from: state,
  to: state,
  agentId: z.string().optional(),
  previousAgentId: z.string().optional(),
  closeReason: z.string().optional(),
  queue: z.string(),
});
export type ConversationStateChangedEvent = z.infer<typeof conversationStateChangedEventSchema>;

export const consentChangedEventSchema = z.object({
  ...base,
  type: z.literal('consent.changed'),
  /** Consent is per account and customer, so it holds on every thread of the pair, not only this one. */
  customer: phoneNumberSchema,
  state: z.enum(['opted_in', 'opted_out']),
  keyword: z.string(),
  /** The inbound message (InboundEvent id) that changed it. */
  inboundEventId: z.string().min(1),
});
export type ConsentChangedEvent = z.infer<typeof consentChangedEventSchema>;

export const channelEventSchema = z.discriminatedUnion('type', [
  messageReceivedEventSchema,
  messageSentEventSchema,
  messageStatusChangedEventSchema,
  conversationStartedEventSchema,
  conversationStateChangedEventSchema,
  consentChangedEventSchema,
]);
export type ChannelEvent = z.infer<typeof channelEventSchema>;
export type ChannelEventType = ChannelEvent['type'];
