import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';

/**
 * Creating a message batch needs the sender's link to the queue, so it proves the namespace answers and the
 * queue exists, without sending or receiving anything (the queue is session-enabled: it cannot be peeked
 * without taking a session lock from the router).
 */
export function createQueueProbe(client: ServiceBusClient, queueName: string): () => Promise<void> {
  let sender: ServiceBusSender | undefined;
  return async () => {
    sender ??= client.createSender(queueName);
    try {
      await sender.createMessageBatch();
    } catch (error) {
      // A fresh sender next time; closing this one may wait on the very connection that failed, so it is not awaited.
      const failed = sender;
      sender = undefined;
      void failed.close().catch(() => undefined);
      throw error;
    }
  };
}
