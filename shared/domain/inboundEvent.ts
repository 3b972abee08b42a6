import { z } from 'zod';

/**
 * The Service Bus message body between `telesignCallback` and `routeInbound`. Versioned, because a queue can hold
 * events written by the previous deployment while the new one reads them.
 */
export const INBOUND_EVENT_SCHEMA_VERSION = 1;

const base = {
  schemaVersion: z.literal(INBOUND_EVENT_SCHEMA_VERSION),
  /** Deterministic: a retry of the same callback gives the same id (Service Bus duplicate detection, router dedupe). */
  eventId: z.string().min(1).max(128),
  /** Telesign customer id of the account the callback was signed for. */
  account: z.string().min(1),
  /** When our callback accepted it (ISO 8601). */
  receivedAt: z.string().min(1),
};

const digits = z.string().regex(/^\d{3,15}$/, 'digits only, with country code');

export const messageReceivedSchema = z.object({
  ...base,
  type: z.literal('message.received'),
  threadId: z.string().min(1),
  /** The customer. */
  from: digits,
  /** Our support number that received it. */
  to: digits,
  text: z.string(),
  referenceId: z.string().min(1),
  /** Telesign's own time for the message, kept raw: its format is not settled by the docs. */
  telesignTimestamp: z.string().optional(),
  isoCountryCode: z.string().optional(),
});

export const deliveryReportedSchema = z.object({
  ...base,
  type: z.literal('delivery.reported'),
  referenceId: z.string().min(1),
  statusCode: z.number().int(),
  statusDescription: z.string(),
  /** ISO 8601 when Telesign's `updated_on` could be read, else absent; the raw value is always kept. */
  updatedOn: z.string().optional(),
  updatedOnRaw: z.string().optional(),
  /** A delivery report carries no phone number; present only if a future format adds one. */
  recipient: digits.optional(),
  messagePartsCount: z.number().int().nonnegative().optional(),
  errors: z
    .array(z.object({ code: z.union([z.number(), z.string()]).optional(), description: z.string().optional() }))
    .default([]),
});

export const callbackUnrecognizedSchema = z.object({
  ...base,
  type: z.literal('callback.unrecognized'),
  reason: z.string(),
  rawBody: z.string(),
});

export const inboundEventSchema = z.discriminatedUnion('type', [
  messageReceivedSchema,
  deliveryReportedSchema,
  callbackUnrecognizedSchema,
]);

export type MessageReceived = z.infer<typeof messageReceivedSchema>;
export type DeliveryReported = z.infer<typeof deliveryReportedSchema>;
export type CallbackUnrecognized = z.infer<typeof callbackUnrecognizedSchema>;
export type InboundEvent = z.infer<typeof inboundEventSchema>;
export type InboundEventType = InboundEvent['type'];

/** Where the event goes on the queue: `sessionId` keeps one thread's events in order. */
export interface QueuedEvent {
  event: InboundEvent;
  messageId: string;
  sessionId: string;
}
