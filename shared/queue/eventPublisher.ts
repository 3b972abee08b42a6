import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';

import { INBOUND_EVENT_SCHEMA_VERSION, type QueuedEvent } from '../domain/inboundEvent';
import { AppError } from '../errors';

/** The port the ingest service publishes through. Rejects with AppError 'queue_unavailable'. */
export interface EventPublisher {
  publish(item: QueuedEvent): Promise<void>;
  close(): Promise<void>;
}

/**
 * One sender per process over the process's one client: the SDK keeps the AMQP connection open, so a callback
 * costs one send, not a connection. Every message carries what the consumer and an operator need without
 * opening the body: a deterministic messageId (duplicate detection), the sessionId (per-thread order), the
 * event type and the schema version.
 */
export function createServiceBusPublisher(client: ServiceBusClient, queueName: string): EventPublisher {
  let sender: ServiceBusSender | undefined;
  const senderFor = () => (sender ??= client.createSender(queueName));

  return {
    async publish({ event, messageId, sessionId }) {
      try {
        await senderFor().sendMessages({
          body: event,
          messageId,
          sessionId,
          contentType: 'application/json',
          subject: event.type,
          applicationProperties: { eventType: event.type, schemaVersion: INBOUND_EVENT_SCHEMA_VERSION },
        });
      } catch (error) {
        throw new AppError('queue_unavailable', 'The event queue cannot take the event right now.', undefined, {
          cause: error,
        });
      }
    },
    async close() {
      await sender?.close();
      sender = undefined;
    },
  };
}
