import type { ServiceBusClient, ServiceBusMessage } from '@azure/service-bus';

import { INBOUND_EVENT_SCHEMA_VERSION, type QueuedEvent } from '../domain/inboundEvent';
import { createEntitySender } from './entitySender';

/** The port the ingest service publishes through. Rejects with AppError 'queue_unavailable'. */
export interface EventPublisher {
  publish(item: QueuedEvent): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every message carries what the consumer and an operator need without opening the body: a deterministic
 * messageId (duplicate detection), the sessionId (per-thread order), the event type and the schema version.
 */
export function createServiceBusPublisher(client: ServiceBusClient, queueName: string): EventPublisher {
  const sender = createEntitySender(client, queueName, 'The event queue cannot take the event right now.');
  return {
    publish: (item) => sender.send(queueMessageOf(item)),
    close: () => sender.close(),
  };
}

/** The Service Bus message a queued event travels as. */
export function queueMessageOf({ event, messageId, sessionId }: QueuedEvent): ServiceBusMessage {
  return {
    body: event,
    messageId,
    sessionId,
    contentType: 'application/json',
    subject: event.type,
    applicationProperties: { eventType: event.type, schemaVersion: INBOUND_EVENT_SCHEMA_VERSION },
  };
}
