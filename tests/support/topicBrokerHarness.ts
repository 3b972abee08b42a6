import { ServiceBusClient, type ServiceBusClientOptions } from '@azure/service-bus';

import { type BrokerOptions, EmbeddedBroker } from '../../local/broker';
import { type BrokerHarness, fastRetry } from './brokerHarness';

/** As startBroker, for any declared entities (queues and topics). */
export async function startBrokerWith(entities: Pick<BrokerOptions, 'queues' | 'topics'>): Promise<BrokerHarness> {
  const broker = await EmbeddedBroker.start({ ...entities, nextSessionWaitMs: 300 });
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
