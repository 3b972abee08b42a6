import type { ChannelEvent } from '../domain/channelEvents';
import { fannedOutMessageId } from '../domain/webhookDelivery';
import { wantsEvent, webhookPayloadOf } from '../domain/webhookPayload';
import type { Logger } from '../log';
import type { QueuedDelivery, WebhookDeliveryQueue } from '../queue/webhookDeliveryQueue';
import type { WebhookEndpoint } from '../webhooks/endpointSettings';

export interface FanOutDeps {
  endpoints: readonly WebhookEndpoint[];
  queue: WebhookDeliveryQueue;
  now: () => Date;
}

/**
 * One channel event as one delivery per endpoint that wants it (docs/webhooks.md §Order), in one batch: either
 * every endpoint's copy is queued or none is, and the event is redelivered. The body is written here, once, so
 * every attempt and every replay sends and signs the same bytes. Answers how many copies were queued.
 */
export async function fanOutWebhooks(event: ChannelEvent, deps: FanOutDeps, logger: Logger): Promise<number> {
  const payload = webhookPayloadOf(event);
  if (!payload) return 0;
  const wanting = deps.endpoints.filter((e) => wantsEvent(e, payload.type));
  if (wanting.length === 0) return 0;
  const body = JSON.stringify(payload);
  const deliveries: QueuedDelivery[] = wanting.map((endpoint) => ({
    messageId: fannedOutMessageId(endpoint.name, event.id),
    message: {
      kind: 'new',
      attempt: 0,
      delivery: {
        endpoint: endpoint.name,
        eventId: event.id,
        threadId: event.threadId,
        type: payload.type,
        body,
        committedAt: event.at,
      },
    },
  }));
  await deps.queue.send(deliveries, deps.now());
  logger.info('webhook deliveries queued', {
    eventId: event.id,
    type: payload.type,
    endpoints: wanting.map((e) => e.name),
  });
  return deliveries.length;
}
