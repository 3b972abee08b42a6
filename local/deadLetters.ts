import type { ServiceBusClient, ServiceBusReceivedMessage } from '@azure/service-bus';

/**
 * The operator's view of the dead-letter queue: what the router gave up on, and a way to put it back once the
 * cause is fixed. Replays get a new message id (duplicate detection would drop the old one); the router's own
 * event marker still applies each event once.
 */
export interface DeadLetter {
  messageId: string;
  eventType?: string;
  sessionId?: string;
  reason?: string;
  description?: string;
  deliveryCount?: number;
}

const describe = (m: ServiceBusReceivedMessage): DeadLetter => ({
  messageId: String(m.messageId),
  eventType: m.applicationProperties?.eventType as string | undefined,
  sessionId: m.sessionId,
  reason: m.deadLetterReason,
  description: m.deadLetterErrorDescription,
  deliveryCount: m.deliveryCount,
});

export async function listDeadLetters(client: ServiceBusClient, queue: string, max = 100): Promise<DeadLetter[]> {
  const receiver = client.createReceiver(queue, { subQueueType: 'deadLetter' });
  try {
    return (await receiver.peekMessages(max)).map(describe);
  } finally {
    await receiver.close();
  }
}

export async function replayDeadLetters(client: ServiceBusClient, queue: string, max = 100): Promise<DeadLetter[]> {
  const receiver = client.createReceiver(queue, { subQueueType: 'deadLetter' });
  const sender = client.createSender(queue);
  const replayed: DeadLetter[] = [];
  try {
    for (const m of await receiver.receiveMessages(max, { maxWaitTimeInMs: 1000 })) {
      await sender.sendMessages({
        body: m.body,
        sessionId: m.sessionId,
        contentType: m.contentType,
        subject: m.subject,
        applicationProperties: m.applicationProperties,
        messageId: `${String(m.messageId).slice(0, 100)}-replay-${Date.now()}`,
      });
      await receiver.completeMessage(m);
      replayed.push(describe(m));
    }
  } finally {
    await sender.close();
    await receiver.close();
  }
  return replayed;
}
