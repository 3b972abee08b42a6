import type { ServiceBusClient, ServiceBusMessage } from '@azure/service-bus';

import { type DeliveryMessage, deliverySessionId } from '../domain/webhookDelivery';
import { createEntitySender } from './entitySender';

/** A delivery message with its id, and when it is due: absent or past, at once; later, a scheduled message. */
export interface QueuedDelivery {
  messageId: string;
  message: DeliveryMessage;
  dueAt?: Date;
}

/** The webhook deliveries queue (docs/webhooks.md §Order), one session per endpoint and thread. */
export interface WebhookDeliveryQueue {
  /** All in one batch: all or nothing. Rejects with AppError 'queue_unavailable'. */
  send(deliveries: readonly QueuedDelivery[], now: Date): Promise<void>;
  close(): Promise<void>;
}

function messageOf({ messageId, message, dueAt }: QueuedDelivery, now: Date): ServiceBusMessage {
  const { delivery } = message;
  return {
    body: message,
    messageId,
    sessionId: deliverySessionId(delivery.endpoint, delivery.threadId),
    contentType: 'application/json',
    subject: delivery.type,
    applicationProperties: { eventType: delivery.type, kind: message.kind, attempt: message.attempt },
    // A retry waits in Service Bus, not in a function (the Standard Webhooks schedule reaches hours).
    ...(dueAt && dueAt.getTime() > now.getTime() ? { scheduledEnqueueTimeUtc: dueAt } : {}),
  };
}

export function createWebhookDeliveryQueue(client: ServiceBusClient, queueName: string): WebhookDeliveryQueue {
  const sender = createEntitySender(client, queueName, 'The webhook deliveries queue cannot take the deliveries now.');
  return {
    async send(deliveries, now) {
      if (deliveries.length) await sender.send(deliveries.map((d) => messageOf(d, now)));
    },
    close: () => sender.close(),
  };
}
