import {
  ServiceBusClient,
  type ServiceBusClientOptions,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusSessionReceiver,
} from '@azure/service-bus';

import { type BrokerQueueOptions, EmbeddedBroker } from '../../local/broker';

/** Failures in these tests are expected and should surface quickly instead of after the SDK's default backoff. */
export const fastRetry: ServiceBusClientOptions = {
  retryOptions: { maxRetries: 1, retryDelayInMs: 50, maxRetryDelayInMs: 100, timeoutInMs: 3000 },
};

export interface BrokerHarness {
  readonly broker: EmbeddedBroker;
  readonly client: ServiceBusClient;
  newClient(options?: ServiceBusClientOptions): ServiceBusClient;
  close(): Promise<void>;
}

export async function startBroker(queues: BrokerQueueOptions[]): Promise<BrokerHarness> {
  const broker = await EmbeddedBroker.start({ queues, nextSessionWaitMs: 300 });
  const clients: ServiceBusClient[] = [];
  const newClient = (options: ServiceBusClientOptions = fastRetry): ServiceBusClient => {
    const client = new ServiceBusClient(broker.connectionString, options);
    clients.push(client);
    return client;
  };
  return {
    broker,
    client: newClient(),
    newClient,
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await broker.stop();
    },
  };
}

/** Receives until `count` messages arrived or a receive comes back empty. */
export async function receiveAll(
  receiver: ServiceBusReceiver | ServiceBusSessionReceiver,
  count: number,
): Promise<ServiceBusReceivedMessage[]> {
  const received: ServiceBusReceivedMessage[] = [];
  while (received.length < count) {
    const batch = await receiver.receiveMessages(count - received.length, { maxWaitTimeInMs: 500 });
    if (batch.length === 0) break;
    received.push(...batch);
  }
  return received;
}
