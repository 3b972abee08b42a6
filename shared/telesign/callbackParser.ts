import type { TelesignAccount } from '../config';
import {
  clipText,
  FIELD_MAX,
  INBOUND_EVENT_SCHEMA_VERSION,
  type InboundEvent,
  inboundEventSchema,
  isTelesignInteger,
  type QueuedEvent,
  telesignErrorCode,
  TEXT_MAX,
} from '../domain/inboundEvent';
import { digitsOnly, normalizePhone } from '../domain/phone';
import { normalizeReferenceId } from '../domain/referenceId';
import { threadIdOf } from '../domain/threadId';
import {
  deliveryReportedEventId,
  deliveryReportSessionId,
  messageReceivedEventId,
  unrecognizedEventId,
} from './eventIds';
import { parseTelesignTime } from './time';

/**
 * Turns an authentic callback body into the event we queue (docs/telesign-protocol.md §Callbacks). Strict about
 * what identifies an event, lenient about everything unconfirmed (§Unconfirmed): a shape we cannot read becomes
 * `callback.unrecognized` with its raw body, so that nothing Telesign handed us is dropped.
 * The queue schema is the rule for what an event may hold (shared/domain/inboundEvent.ts): integers are safe
 * integers, free text is cut to its bound with a marker, and an event the schema would refuse (a reference id
 * too long to be Telesign's, say) is queued as unrecognized instead, so the router can always read what we queue.
 */

export interface ParseContext {
  account: TelesignAccount;
  receivedAt: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Free text within its bound (the queue schema's `clipText`). */
const clipped = (v: unknown, max = FIELD_MAX): string | undefined => {
  const value = text(v);
  return value === undefined ? undefined : clipText(value, max);
};

/**
 * Telesign shows some numbers both as JSON numbers and as strings. Only a safe integer is one (`isTelesignInteger`):
 * a bigger one, or digits that read as Infinity, could not be carried exactly, so it is not read as a number.
 */
function integer(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v.trim()) : v;
  return isTelesignInteger(n) ? n : undefined;
}

function referenceOf(body: Json): string | undefined {
  const ref = text(body.reference_id)?.trim();
  return ref ? normalizeReferenceId(ref) : undefined;
}

export function parseCallback(rawBody: string, json: unknown, ctx: ParseContext): QueuedEvent {
  const queued = readCallback(rawBody, json, ctx);
  const checked = inboundEventSchema.safeParse(queued.event);
  if (checked.success) return queued;
  const where = checked.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
  return unrecognized(rawBody, ctx, `${kindOf[queued.event.type]} that the queue schema refuses (${where})`);
}

const kindOf: Record<InboundEvent['type'], string> = {
  'message.received': 'an inbound SMS',
  'delivery.reported': 'a delivery report',
  'callback.unrecognized': 'a callback',
};

function readCallback(rawBody: string, json: unknown, ctx: ParseContext): QueuedEvent {
  if (!isObject(json)) return unrecognized(rawBody, ctx, 'the body is not a JSON object');
  if (json.sub_resource === 'mo_sms' || isObject(json.user_response)) return parseInboundSms(rawBody, json, ctx);
  if (isObject(json.status) && referenceOf(json) !== undefined) return parseDeliveryReport(rawBody, json, ctx);
  return unrecognized(rawBody, ctx, 'neither an inbound SMS nor a delivery report');
}

function parseInboundSms(rawBody: string, body: Json, ctx: ParseContext): QueuedEvent {
  const user = isObject(body.user_response) ? body.user_response : undefined;
  const rawCustomer = text(user?.phone_number);
  if (!rawCustomer || digitsOnly(rawCustomer) === '') {
    return unrecognized(rawBody, ctx, "an inbound SMS without the customer's phone number");
  }
  const from = customerNumber(rawCustomer);
  if (!/^\d{3,15}$/.test(from))
    return unrecognized(rawBody, ctx, 'an inbound SMS whose customer number is not a phone number');
  // An empty sender_id is documented: the message reached the account's default number.
  const senderId = text(user?.sender_id);
  const senderDigits = senderId ? digitsOnly(senderId) : '';
  const to = /^\d{3,15}$/.test(senderDigits) ? senderDigits : ctx.account.defaultSupportNumber;
  const referenceId = referenceOf(body) ?? unrecognizedEventId(ctx.account.customerId, rawBody);
  const status = isObject(body.status) ? body.status : undefined;
  const threadId = threadIdOf(ctx.account.customerId, to, from);
  const event: InboundEvent = {
    schemaVersion: INBOUND_EVENT_SCHEMA_VERSION,
    type: 'message.received',
    eventId: messageReceivedEventId(ctx.account.customerId, referenceId),
    account: ctx.account.customerId,
    receivedAt: ctx.receivedAt,
    threadId,
    from,
    to,
    text: clipped(user?.mo_message, TEXT_MAX) ?? '',
    referenceId,
    telesignTimestamp: clipped(body.submit_timestamp) ?? clipped(status?.updated_on),
    isoCountryCode: clipped(user?.iso_country_code),
  };
  return { event, messageId: event.eventId, sessionId: threadId };
}

/** Telesign sends digits with the country code; keep its digits when libphonenumber disagrees rather than lose the message. */
function customerNumber(raw: string): string {
  const parsed = normalizePhone(raw);
  return parsed.ok ? parsed.digits : digitsOnly(raw);
}

function parseDeliveryReport(rawBody: string, body: Json, ctx: ParseContext): QueuedEvent {
  const status = body.status as Json;
  const referenceId = referenceOf(body)!;
  const statusCode = integer(status.code);
  if (statusCode === undefined)
    return unrecognized(rawBody, ctx, 'a delivery report without a status code that is a safe integer');
  const updatedOnRaw = text(status.updated_on);
  const additional = isObject(body.additional_info) ? body.additional_info : undefined;
  const parts = integer(additional?.message_parts_count);
  // An identifier cannot be cut: one out of bounds is left out, and the report goes by its reference.
  const externalId = text(body.external_id)?.trim();
  const event: InboundEvent = {
    schemaVersion: INBOUND_EVENT_SCHEMA_VERSION,
    type: 'delivery.reported',
    eventId: deliveryReportedEventId(ctx.account.customerId, referenceId, statusCode, updatedOnRaw ?? ''),
    account: ctx.account.customerId,
    receivedAt: ctx.receivedAt,
    referenceId,
    statusCode,
    statusDescription: clipped(status.description) ?? '',
    updatedOn: parseTelesignTime(updatedOnRaw),
    updatedOnRaw: updatedOnRaw === undefined ? undefined : clipText(updatedOnRaw, FIELD_MAX),
    messagePartsCount: parts !== undefined && parts >= 0 ? parts : undefined,
    ...(externalId && externalId.length <= FIELD_MAX ? { externalId } : {}),
    errors: Array.isArray(body.errors) ? body.errors.filter(isObject).map(errorEntry) : [],
  };
  return { event, messageId: event.eventId, sessionId: deliveryReportSessionId(referenceId) };
}

/** A code the queue cannot carry (a JSON number too large for a double, read as Infinity) is left out. */
function errorEntry(e: Json): { code?: number | string; description?: string } {
  const code = telesignErrorCode.safeParse(e.code);
  return { code: code.success ? code.data : undefined, description: clipped(e.description) };
}

function unrecognized(rawBody: string, ctx: ParseContext, reason: string): QueuedEvent {
  const eventId = unrecognizedEventId(ctx.account.customerId, rawBody);
  const event: InboundEvent = {
    schemaVersion: INBOUND_EVENT_SCHEMA_VERSION,
    type: 'callback.unrecognized',
    eventId,
    account: ctx.account.customerId,
    receivedAt: ctx.receivedAt,
    reason: clipText(reason, FIELD_MAX),
    rawBody,
  };
  return { event, messageId: eventId, sessionId: eventId };
}
