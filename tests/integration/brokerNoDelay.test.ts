import net from 'node:net';

import { isServiceBusError, ServiceBusClient } from '@azure/service-bus';

import { EmbeddedBroker } from '../../local/broker';
import { noDelayClientOptions } from '../../local/noDelayTransport';
import { fastRetry } from '../support/brokerHarness';

describe('the SDK through the no-delay transport', () => {
  let broker: EmbeddedBroker;
  beforeEach(async () => {
    broker = await EmbeddedBroker.start({ queues: [{ name: 'q', requiresSession: true }], nextSessionWaitMs: 300 });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await broker.stop();
  });

  it('sends, accepts the next session, receives and completes on a socket with Nagle off', async () => {
    const connect = jest.spyOn(net, 'connect');
    const client = new ServiceBusClient(broker.connectionString, {
      ...fastRetry,
      ...noDelayClientOptions(broker.connectionString),
    });
    try {
      const sender = client.createSender('q');
      await sender.sendMessages([
        { body: 1, sessionId: 'a' },
        { body: 2, sessionId: 'a' },
      ]);
      const receiver = await client.acceptNextSession('q');
      expect(receiver.sessionId).toBe('a');
      const received = [];
      while (received.length < 2) received.push(...(await receiver.receiveMessages(2, { maxWaitTimeInMs: 500 })));
      expect(received.map((m) => m.body)).toEqual([1, 2]);
      for (const m of received) await receiver.completeMessage(m);
      await receiver.close();
      // One connection for the client, to the broker's port, asking for TCP_NODELAY.
      expect(connect).toHaveBeenCalledTimes(1);
      expect(connect.mock.calls[0][0]).toMatchObject({ port: broker.port, noDelay: true });
      expect(broker.entities().queues.find((q) => q.name === 'q')).toMatchObject({ active: 0 });
    } finally {
      await client.close();
    }
  });

  it('reports a broker that is not there as the SDK does, instead of hanging', async () => {
    await broker.stop();
    const client = new ServiceBusClient(broker.connectionString, {
      ...fastRetry,
      ...noDelayClientOptions(broker.connectionString),
    });
    try {
      const error = await client
        .createSender('q')
        .sendMessages({ body: 1, sessionId: 'a' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isServiceBusError(error) || error instanceof Error).toBe(true);
    } finally {
      await client.close();
      await broker.resume();
    }
  });
});
