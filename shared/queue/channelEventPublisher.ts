import type { ServiceBusClient, ServiceBusMessage } from '@azure/service-bus';

import type { ChannelEvent } from '../domain/channelEvents';
import { createEntitySender } from './entitySender';

/** Where committed changes' channel events go (docs/architecture.md §Channel events and reactions). */
export interface ChannelEventPublisher {
  /** Rejects with AppError 'queue_unavailable'; then none or only some of the events may be on the topic. */
  publish(events: readonly ChannelEvent[]): Promise<void>;
  close(): Promise<void>;
}

const messageOf = (event: ChannelEvent): ServiceBusMessage => ({
  body: event,
  // The event id is deterministic: a replayed change republishes the same ids, and duplicate detection drops them.
  messageId: event.id,
  // One session per thread, so that each subscription sees a thread's events in the order they happened.
  sessionId: event.threadId,
  contentType: 'application/json',
  subject: event.type,
  applicationProperties: { eventType: event.type, schemaVersion: event.schemaVersion },
});

/**
 * A thread's events go in one batch (all or nothing, in
 * order); a change that touched several threads (auto-close) sends one batch per thread, since a partitioned
 * entity refuses a batch that spans sessions.
 */
export function createChannelEventPublisher(client: ServiceBusClient, topicName: string): ChannelEventPublisher {
  const sender = createEntitySender(client, topicName, 'The channel events topic cannot take the events right now.');
  return {
    async publish(events) {
      const byThread = new Map<string, ChannelEvent[]>();
      for (const event of events) byThread.set(event.threadId, [...(byThread.get(event.threadId) ?? []), event]);
      for (const batch of byThread.values()) await sender.send(batch.map(messageOf));
    },
    close: () => sender.close(),
  };
}
