import type { ServiceBusClient } from '@azure/service-bus';

import { createEntitySender } from './entitySender';

/** What the webhook queues for `applyAgentActivity` (docs/dynamics-protocol.md §5): the activity as Dynamics sent it. */
export interface QueuedAgentActivity {
  schemaVersion: 1;
  conversationId: string;
  activity: unknown;
  receivedAt: string;
}

export interface AgentActivityPublisher {
  /** Rejects with AppError 'queue_unavailable'. */
  publish(item: { messageId: string; sessionId: string; body: QueuedAgentActivity }): Promise<void>;
  close(): Promise<void>;
}

/**
 * One sender per process. The messageId is the activity's key, so Service Bus duplicate detection drops a webhook
 * Dynamics delivers again; the session is the Dynamics conversation, so one conversation's activities apply in order.
 */
export function createAgentActivityPublisher(client: ServiceBusClient, queueName: string): AgentActivityPublisher {
  const sender = createEntitySender(
    client,
    queueName,
    'The Dynamics activities queue cannot take the activity right now.',
  );
  return {
    publish: ({ messageId, sessionId, body }) =>
      sender.send({
        body,
        messageId,
        sessionId,
        contentType: 'application/json',
        subject: 'dynamics.activity',
        applicationProperties: { schemaVersion: body.schemaVersion },
      }),
    close: () => sender.close(),
  };
}
