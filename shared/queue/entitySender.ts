import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';

import { AppError } from '../errors';

/** A queue's or topic's sender, in the product's terms: a failed send is an outage ('queue_unavailable'). */
export interface EntitySender {
  /** An array goes as one batch: all or nothing, in order. */
  send(messages: ServiceBusMessage | ServiceBusMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * One sender per process over the process's one client: the SDK keeps the AMQP link open, so a publish costs one
 * send, not a connection. Created on first use, so a process that never publishes opens nothing.
 */
export function createEntitySender(client: ServiceBusClient, entity: string, unavailable: string): EntitySender {
  let sender: ServiceBusSender | undefined;
  return {
    async send(messages) {
      try {
        await (sender ??= client.createSender(entity)).sendMessages(messages);
      } catch (error) {
        throw new AppError('queue_unavailable', unavailable, undefined, { cause: error });
      }
    },
    async close() {
      await sender?.close();
      sender = undefined;
    },
  };
}
