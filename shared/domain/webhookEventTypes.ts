import type { ChannelEventType } from './channelEvents';

/**
 * The event types an endpoint can subscribe to. They are the channel events' own names on purpose, so the docs,
 * the logs and a subscriber all speak of one `message.received`; the list is separate from the channel events'
 * because a channel event type added later is delivered only once it is added here, with a payload written for it.
 */
export const webhookEventTypes = [
  'message.received',
  'message.sent',
  'message.status_changed',
  'conversation.started',
  'conversation.state_changed',
  'consent.changed',
] as const satisfies readonly ChannelEventType[];

export type WebhookEventType = (typeof webhookEventTypes)[number];

/** What an endpoint's `events` holds: named types, or `*` alone for every type, including ones added later. */
export type WebhookEventSelection = readonly WebhookEventType[] | readonly ['*'];

export const isWebhookEventType = (type: string): type is WebhookEventType =>
  (webhookEventTypes as readonly string[]).includes(type);
