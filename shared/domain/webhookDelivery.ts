import { createHash } from 'node:crypto';

import { z } from 'zod';

import { InvalidEventError, readMessageJson } from './queueBody';

/**
 * One channel event on its way to one endpoint, as it waits on the webhook deliveries queue and in a hold
 * (docs/webhooks.md §Order). `body` is the payload as it is signed and sent, byte for byte, on every attempt: it
 * was written once, when the event was fanned out, so a retry or a replay sends exactly what the first attempt did.
 */
export interface WebhookDelivery {
  /** The endpoint's name: endpoints are told apart by it in the setting, logs and health. */
  endpoint: string;
  /** The channel event id: the `webhook-id` header. */
  eventId: string;
  threadId: string;
  type: string;
  body: string;
  /** When the change was committed (the event's `at`): the start of the delivery latency. */
  committedAt: string;
}

/**
 * - `new`: fanned out from the channel events.
 * - `attempt`: the attempt a hold waits for (a retry, or the next delivery once the one before it is settled);
 *   it applies only while the hold still waits for exactly this event and attempt number.
 * - `replay`: a failed delivery an operator sent again.
 */
export type DeliveryKind = 'new' | 'attempt' | 'replay';

export interface DeliveryMessage {
  kind: DeliveryKind;
  /** Attempts made before this one. */
  attempt: number;
  delivery: WebhookDelivery;
}

const deliverySchema = z.object({
  endpoint: z.string().min(1).max(100),
  eventId: z.string().min(1).max(200),
  threadId: z.string().min(1).max(100),
  type: z.string().min(1).max(64),
  body: z.string().min(2),
  committedAt: z.string().min(1).max(40),
});

export const deliveryMessageSchema = z.object({
  kind: z.enum(['new', 'attempt', 'replay']),
  attempt: z.number().int().min(0).max(100),
  delivery: deliverySchema,
});

export function parseDeliveryMessage(body: unknown): DeliveryMessage {
  const value = readMessageJson(body, 'The message is not JSON, so it is not a webhook delivery.');
  const parsed = deliveryMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new InvalidEventError(`The message is not a webhook delivery: ${issues}.`);
  }
  return parsed.data;
}

/**
 * An endpoint's key in session ids, message ids and table keys: its name is free text (spaces, slashes), which
 * none of those take. Names are unique regardless of case (shared/webhooks/endpointSettings.ts), and so are keys.
 */
export function endpointKey(name: string): string {
  return createHash('sha256').update(`webhook-endpoint|${name.toLowerCase()}`).digest('hex').slice(0, 16);
}

/** One session per endpoint and thread: a conversation's order for that endpoint, and nothing else behind it. */
export const deliverySessionId = (endpoint: string, threadId: string) => `${endpointKey(endpoint)}.${threadId}`;

/** The fan-out's copy: a fan-out repeated after a failure gives the same id, and duplicate detection drops it. */
export const fannedOutMessageId = (endpoint: string, eventId: string) => `${eventId}.${endpointKey(endpoint)}`;

/**
 * An attempt a hold schedules (`a<n>`) or an operator's replay (`r`): `nonce` is fresh each time, because the queue
 * drops a repeated id for an hour, and a replayed event's attempts are not repeats of its first ones.
 */
export const attemptMessageId = (d: WebhookDelivery, attempt: number, nonce: string) =>
  `${fannedOutMessageId(d.endpoint, d.eventId)}.a${attempt}.${nonce}`;
export const replayMessageId = (d: WebhookDelivery, nonce: string) =>
  `${fannedOutMessageId(d.endpoint, d.eventId)}.r${nonce}`;

/**
 * What an endpoint's setting was when it answered 410: the endpoint stays disabled until it changes. The URL is
 * hashed, not kept, because its query can hold a credential.
 */
export function endpointFingerprint(endpoint: { url: string; secretName: string }): string {
  return createHash('sha256').update(`${endpoint.url}\n${endpoint.secretName}`).digest('hex').slice(0, 32);
}
