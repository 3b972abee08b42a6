import { ServiceBusClient } from '@azure/service-bus';

import { EmbeddedBroker } from '../../local/broker';
import { type SessionConsumer, startSessionConsumer } from '../../local/sessionConsumer';
import { parseQueueBody } from '../../shared/domain/queueBody';
import { threadIdOf } from '../../shared/domain/threadId';
import { createServiceBusPublisher } from '../../shared/queue/eventPublisher';
import { routeEvent } from '../../shared/services/route';
import { auditedLogger } from '../support/capturingLogger';
import { eventually } from '../support/eventually';
import { inboundEvent, type RouteHarness, startRouteHarness } from '../support/routeHarness';
import { account1 } from '../support/telesignFixtures';

let h: RouteHarness;
let broker: EmbeddedBroker;
let client: ServiceBusClient;
let consumer: SessionConsumer;

beforeAll(async () => {
  h = await startRouteHarness();
  broker = await EmbeddedBroker.start({ queues: [{ name: 'sms-inbound', requiresSession: true }] });
  client = new ServiceBusClient(broker.connectionString);
  consumer = startSessionConsumer({
    client,
    queueName: 'sms-inbound',
    logger: auditedLogger,
    sessionIdleMs: 200,
    handler: async (body) => {
      await routeEvent(parseQueueBody(body), h.deps);
    },
  });
});

afterAll(async () => {
  await consumer.stop();
  await client.close();
  await broker.stop();
  await h.stop();
});

describe('routeInbound through @azure/service-bus', () => {
  it('applies the events of a session in the order they were published', async () => {
    const customer = '15555550301';
    const publisher = createServiceBusPublisher(client, 'sms-inbound');
    const texts = Array.from({ length: 10 }, (_, i) => `part ${i + 1}`);
    for (const text of texts) {
      const event = inboundEvent({ from: customer, text });
      await publisher.publish({ event, messageId: event.eventId, sessionId: event.threadId });
    }
    await publisher.close();

    const threadId = threadIdOf(account1.customerId, '14252306549', customer);
    const messages = await eventually(
      () => h.messages(threadId, 1),
      (m) => m.length === texts.length,
    );
    expect(messages.map((m) => m.text)).toEqual(texts);
    expect(messages.map((m) => m.m)).toEqual(texts.map((_, i) => i + 1));
  });

  it('applies an event republished with a different message id once', async () => {
    const customer = '15555550302';
    const publisher = createServiceBusPublisher(client, 'sms-inbound');
    const event = inboundEvent({ from: customer, text: 'only once' });
    await publisher.publish({ event, messageId: event.eventId, sessionId: event.threadId });
    // Past the broker's duplicate-detection window the same event can come back under another message id.
    await publisher.publish({ event, messageId: event.eventId + '-again', sessionId: event.threadId });
    const marker = inboundEvent({ from: customer, text: 'after' });
    await publisher.publish({ event: marker, messageId: marker.eventId, sessionId: marker.threadId });
    await publisher.close();

    const threadId = threadIdOf(account1.customerId, '14252306549', customer);
    const messages = await eventually(
      () => h.messages(threadId, 1),
      (m) => m.some((x) => x.text === 'after'),
    );
    expect(messages.map((m) => m.text)).toEqual(['only once', 'after']);
  });
});
