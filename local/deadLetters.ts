import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';

/**
 * The operator's view of the dead-letter queues: what a trigger gave up on, and a way to put it back once the
 * cause is fixed. Replays get a new message id (duplicate detection would drop the old one); each reaction's own
 * marker still applies an event once (docs/architecture.md §Dead letters).
 */
export interface DeadLetter {
  /** The entity it was dead-lettered from: a queue, or `topic/Subscriptions/subscription`. */
  entity: string;
  messageId: string;
  eventType?: string;
  sessionId?: string;
  reason?: string;
  description?: string;
  deliveryCount?: number;
}

/** A queue, or a topic's subscription: a subscription's dead letters are replayed onto its topic. */
export type DeadLetterSource = { queue: string } | { topic: string; subscription: string };

export const entityOf = (source: DeadLetterSource) =>
  'queue' in source ? source.queue : `${source.topic}/Subscriptions/${source.subscription}`;

const describe = (entity: string, m: ServiceBusReceivedMessage): DeadLetter => ({
  entity,
  messageId: String(m.messageId),
  eventType: m.applicationProperties?.eventType as string | undefined,
  sessionId: m.sessionId,
  reason: m.deadLetterReason,
  description: m.deadLetterErrorDescription,
  deliveryCount: m.deliveryCount,
});

const deadLetterReceiver = (client: ServiceBusClient, source: DeadLetterSource): ServiceBusReceiver =>
  'queue' in source
    ? client.createReceiver(source.queue, { subQueueType: 'deadLetter' })
    : client.createReceiver(source.topic, source.subscription, { subQueueType: 'deadLetter' });

export async function listDeadLetters(
  client: ServiceBusClient,
  source: DeadLetterSource,
  max = 100,
): Promise<DeadLetter[]> {
  const receiver = deadLetterReceiver(client, source);
  try {
    return (await receiver.peekMessages(max)).map((m) => describe(entityOf(source), m));
  } finally {
    await receiver.close();
  }
}

/**
 * Each copy is sent before its original is removed, so a failure half way leaves it dead-lettered rather than
 * lost. A subscription's copy goes to its topic, the only entrance Service Bus has: every subscription of the
 * topic sees it again, and each applies an event once.
 */
export async function replayDeadLetters(
  client: ServiceBusClient,
  source: DeadLetterSource,
  max = 100,
): Promise<DeadLetter[]> {
  const receiver = deadLetterReceiver(client, source);
  const sender = client.createSender('queue' in source ? source.queue : source.topic);
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
      replayed.push(describe(entityOf(source), m));
    }
  } finally {
    await sender.close();
    await receiver.close();
  }
  return replayed;
}
