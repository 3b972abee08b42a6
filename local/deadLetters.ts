import { randomUUID } from 'node:crypto';

import type {
  ServiceBusClient,
  ServiceBusMessage,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
} from '@azure/service-bus';

/**
 * The operator's view of the dead-letter queues: what a trigger gave up on, and a way to put it back once the
 * cause is fixed. Replays get a new message id: the entities deduplicate by message id for up to an hour, and a
 * copy with the original's id would be accepted and silently dropped, while the original was removed. Each
 * reaction's own marker still applies an event once (docs/architecture.md §Dead letters).
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
  /** After a replay: the message id of the copy that was sent back. */
  replayedAs?: string;
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

/** Service Bus takes message ids of up to 128 characters: the original's (cut to 80) stays readable in the copy's. */
const replayMessageId = (originalId: unknown) => `${String(originalId).slice(0, 80)}-replay-${randomUUID()}`;

/** The copy that goes back: the same body, session and properties, a new id, and the entity's own time to live. */
function replayCopy(m: ServiceBusReceivedMessage): ServiceBusMessage {
  return {
    body: m.body,
    // The session keeps the conversation's order: a copy outside it would be refused by the session entity.
    sessionId: m.sessionId,
    contentType: m.contentType,
    correlationId: m.correlationId,
    subject: m.subject,
    applicationProperties: m.applicationProperties,
    messageId: replayMessageId(m.messageId),
  };
}

/**
 * Each copy is sent, and accepted by Service Bus, before its original is removed from the dead-letter queue, so a
 * failure half way leaves it dead-lettered rather than lost: the original of a failed send is abandoned (it stays
 * in the dead-letter queue) and the error stops the replay. A subscription's copy goes to its topic, the only
 * entrance Service Bus has: every subscription of the topic sees it again, and each applies an event once. A copy
 * dead-lettered again while this runs is left where it is, so a replay of something still failing ends.
 */
export async function replayDeadLetters(
  client: ServiceBusClient,
  source: DeadLetterSource,
  max = 100,
): Promise<DeadLetter[]> {
  const receiver = deadLetterReceiver(client, source);
  const sender = client.createSender('queue' in source ? source.queue : source.topic);
  const replayed: DeadLetter[] = [];
  const copies = new Set<string>();
  try {
    // A remote namespace hands over a batch at a time: keep asking until the queue is empty or max are done.
    while (replayed.length < max) {
      const batch = await receiver.receiveMessages(max - replayed.length, { maxWaitTimeInMs: 2000 });
      if (batch.length === 0) break;
      let again = false;
      for (const m of batch) {
        if (again || copies.has(String(m.messageId))) {
          again = true;
          await receiver.abandonMessage(m);
          continue;
        }
        const copy = replayCopy(m);
        try {
          await sender.sendMessages(copy);
        } catch (error) {
          await receiver.abandonMessage(m).catch(() => {});
          throw new Error(
            `Could not requeue ${String(m.messageId)} (it stays dead-lettered; ${replayed.length} requeued before it): ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        copies.add(String(copy.messageId));
        await receiver.completeMessage(m);
        replayed.push({ ...describe(entityOf(source), m), replayedAs: String(copy.messageId) });
      }
      if (again) break;
    }
  } finally {
    await sender.close();
    await receiver.close();
  }
  return replayed;
}
