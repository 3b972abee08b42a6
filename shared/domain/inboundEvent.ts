import { z } from 'zod';

/**
 * The Service Bus message body between `telesignCallback` and `routeInbound`. Versioned, because a queue can hold
 * events written by the previous deployment while the new one reads them.
 *
 * It is also the rule the callback parser holds its events to (shared/telesign/callbackParser.ts): the parser
 * reads Telesign's integers with `isTelesignInteger`, bounds Telesign's free text with `clipText`, and checks the
 * event it built against this schema, so an event it queues is one the router reads.
 */
export const INBOUND_EVENT_SCHEMA_VERSION = 1;

/**
 * Telesign's integers (status codes, part counts): safe integers, which JSON carries exactly. Zod 4's `int()` is
 * `Number.isSafeInteger`: an integer beyond ±(2^53 − 1), or a digit string that reads as Infinity, is not one.
 */
export const telesignInteger = z.number().int();
export const isTelesignInteger = (value: unknown): value is number => telesignInteger.safeParse(value).success;

/**
 * Bounds, in UTF-16 units, of what a callback hands us (a table property holds 32,768): the message text, and the
 * short fields (descriptions, raw times, a country code). A longer value is cut and ends with `clipMarker`, so the
 * event stays whole and the cut is visible. A reference id is an identifier, which cannot be cut: a longer one
 * is not one of Telesign's (theirs have 32 characters), and its callback is kept as unrecognized, raw body and all.
 */
export const TEXT_MAX = 30_000;
export const FIELD_MAX = 1_000;
export const REFERENCE_ID_MAX = 1_024;

export const clipMarker = (length: number) => ` […cut: ${length} characters in all]`;

/** `value` when it has at most `max` UTF-16 units, else its start and the marker, within `max` together. */
export function clipText(value: string, max: number): string {
  if (value.length <= max) return value;
  const marker = clipMarker(value.length);
  let end = Math.max(0, max - marker.length);
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // never half of a surrogate pair
  return value.slice(0, end) + marker;
}

/**
 * Free text as the queue carries it. Bounded on reading too: an event an earlier deployment queued unbounded is
 * cut the same way rather than refused by the table.
 */
const boundedText = (max: number) => z.string().transform((value) => clipText(value, max));

const base = {
  schemaVersion: z.literal(INBOUND_EVENT_SCHEMA_VERSION),
  /** Deterministic: a retry of the same callback gives the same id (Service Bus duplicate detection, router dedupe). */
  eventId: z.string().min(1).max(128),
  /** Telesign customer id of the account the callback was signed for. */
  account: z.string().min(1),
  /** When our callback accepted it (ISO 8601). */
  receivedAt: z.string().min(1),
};

/** An error entry's code, a number (finite: JSON cannot carry Infinity) or a string, as Telesign gave it. */
export const telesignErrorCode = z.union([z.number(), boundedText(FIELD_MAX)]);

const digits = z.string().regex(/^\d{3,15}$/, 'digits only, with country code');
const referenceId = z.string().min(1).max(REFERENCE_ID_MAX);

export const messageReceivedSchema = z.object({
  ...base,
  type: z.literal('message.received'),
  threadId: z.string().min(1),
  /** The customer. */
  from: digits,
  /** Our support number that received it. */
  to: digits,
  text: boundedText(TEXT_MAX),
  referenceId,
  /** Telesign's own time for the message, kept raw: its format is not settled by the docs. */
  telesignTimestamp: boundedText(FIELD_MAX).optional(),
  isoCountryCode: boundedText(FIELD_MAX).optional(),
});

export const deliveryReportedSchema = z.object({
  ...base,
  type: z.literal('delivery.reported'),
  referenceId,
  statusCode: telesignInteger,
  statusDescription: boundedText(FIELD_MAX),
  /** ISO 8601 when Telesign's `updated_on` could be read, else absent; the raw value is always kept. */
  updatedOn: z.string().optional(),
  updatedOnRaw: boundedText(FIELD_MAX).optional(),
  /** A delivery report carries no phone number; present only if a future format adds one. */
  recipient: digits.optional(),
  /**
   * The `external_id` the send gave Telesign (our message id), when the report echoes it: then the report needs
   * no reference lookup. Unconfirmed (docs/telesign-protocol.md §Unconfirmed), so never relied on alone.
   */
  externalId: z.string().min(1).max(FIELD_MAX).optional(),
  messagePartsCount: telesignInteger.nonnegative().optional(),
  errors: z
    .array(z.object({ code: telesignErrorCode.optional(), description: boundedText(FIELD_MAX).optional() }))
    .default([]),
});

export const callbackUnrecognizedSchema = z.object({
  ...base,
  type: z.literal('callback.unrecognized'),
  reason: boundedText(FIELD_MAX),
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
