import {
  isServiceBusError,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusSender,
} from '@azure/service-bus';

import { type BrokerHarness, receiveAll } from '../support/brokerHarness';
import { startBrokerWith } from '../support/topicBrokerHarness';

const PLAIN = 'plain';
const SESSIONS = 'sessions';
const TOPIC = 'channel-events';
const DELAY_MS = 500;

const soon = (): Date => new Date(Date.now() + DELAY_MS);

/**
 * A client's first $management call opens its request and reply links. Doing that up front keeps the time it
 * takes out of the delay between scheduling a message and checking that it is not there yet.
 */
async function openManagementLinks(sender: ServiceBusSender, sessionId?: string): Promise<void> {
  const [seq] = await sender.scheduleMessages({ body: 'warm-up', sessionId }, new Date(Date.now() + 60_000));
  await sender.cancelScheduledMessages(seq);
}

/** Receives with a wait long enough for a scheduled message to come due. */
async function eventuallyReceive(receiver: ServiceBusReceiver, count: number): Promise<ServiceBusReceivedMessage[]> {
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + 5000;
  while (received.length < count && Date.now() < deadline)
    received.push(...(await receiver.receiveMessages(count - received.length, { maxWaitTimeInMs: 500 })));
  return received;
}

describe('embedded broker scheduled messages through the real SDK', () => {
  let h: BrokerHarness;

  beforeEach(async () => {
    h = await startBrokerWith({
      queues: [
        { name: PLAIN, requiresSession: false },
        { name: SESSIONS, requiresSession: true },
      ],
      topics: [
        {
          name: TOPIC,
          subscriptions: [
            { name: 'dynamics', requiresSession: true },
            { name: 'webhooks', requiresSession: true },
          ],
        },
      ],
    });
  });

  afterEach(async () => {
    await h.close();
  });

  test('a message sent with scheduledEnqueueTimeUtc is held until then, and peeked meanwhile as scheduled', async () => {
    // Both links are open before the scheduled send, so that "not yet" below measures the schedule, not link setup.
    const receiver = h.client.createReceiver(PLAIN);
    const sender = h.client.createSender(PLAIN);
    await sender.sendMessages({ body: 'now' });
    const [now] = await receiveAll(receiver, 1);
    await receiver.completeMessage(now);

    const at = soon();
    await sender.sendMessages({ body: 'later', messageId: 'l1', scheduledEnqueueTimeUtc: at });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 50 })).toEqual([]);
    const [peeked] = await receiver.peekMessages(5);
    expect(peeked).toMatchObject({ body: 'later', state: 'scheduled' });

    const [message] = await eventuallyReceive(receiver, 1);
    expect(message).toMatchObject({ body: 'later', messageId: 'l1', state: 'active', deliveryCount: 0 });
    expect(message.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
    expect(Number(message.sequenceNumber)).toBe(Number(peeked.sequenceNumber));
    await receiver.completeMessage(message);
    expect(h.broker.entities().queues.find((q) => q.name === PLAIN)).toMatchObject({ active: 0, scheduled: 0 });
  });

  test('scheduleMessages answers the sequence numbers, and a scheduled message joins its session when due', async () => {
    const receiver = await h.client.acceptSession(SESSIONS, 'a');
    const sender = h.client.createSender(SESSIONS);
    await openManagementLinks(sender, 'warm-up');

    await sender.sendMessages({ body: 'now', sessionId: 'a' });
    const seqs = await sender.scheduleMessages([{ body: 'due', sessionId: 'a' }], soon());
    expect(seqs).toHaveLength(1);
    expect((await receiver.peekMessages(5)).map((m) => [m.body, m.state])).toEqual([
      ['now', 'active'],
      ['due', 'scheduled'],
    ]);

    const received = await eventuallyReceive(receiver, 2);
    expect(received.map((m) => [m.body, m.sessionId])).toEqual([
      ['now', 'a'],
      ['due', 'a'],
    ]);
    expect(Number(received[1].sequenceNumber)).toBe(Number(seqs[0]));
  });

  test('a cancelled message is never delivered; cancelling one that is not scheduled (any more) fails', async () => {
    const sender = h.client.createSender(PLAIN);
    await openManagementLinks(sender);
    const [kept, cancelled] = await sender.scheduleMessages([{ body: 'kept' }, { body: 'cancelled' }], soon());
    await sender.cancelScheduledMessages(cancelled);

    // Both were due at the same moment, so once the kept one is here the cancelled one would be too.
    const receiver = h.client.createReceiver(PLAIN);
    expect((await eventuallyReceive(receiver, 1)).map((m) => m.body)).toEqual(['kept']);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);

    for (const seq of [cancelled, kept]) {
      const error = await sender.cancelScheduledMessages(seq).catch((e: unknown) => e);
      expect(isServiceBusError(error) && error.code).toBe('MessageNotFound');
    }
  });

  test('a time already past enqueues at once', async () => {
    const sender = h.client.createSender(PLAIN);
    await sender.sendMessages({ body: 'sent', scheduledEnqueueTimeUtc: new Date(Date.now() - 1000) });
    await sender.scheduleMessages({ body: 'scheduled' }, new Date(Date.now() - 1000));
    const received = await receiveAll(h.client.createReceiver(PLAIN), 2);
    expect(received.map((m) => m.body)).toEqual(['sent', 'scheduled']);
  });

  test('on a topic: held by the topic, then copied to every subscription when due; cancelling works there too', async () => {
    const client = h.newClient({ retryOptions: { timeoutInMs: 5000 } });
    const receivers = [
      await client.acceptSession(TOPIC, 'dynamics', 't'),
      await client.acceptSession(TOPIC, 'webhooks', 't'),
    ];
    const sender = h.client.createSender(TOPIC);
    await openManagementLinks(sender, 'warm-up');

    await sender.sendMessages({ body: 'sent later', sessionId: 't', scheduledEnqueueTimeUtc: soon() });
    const [, cancelled] = await sender.scheduleMessages(
      [
        { body: 'scheduled later', sessionId: 't' },
        { body: 'cancelled', sessionId: 't' },
      ],
      soon(),
    );
    await sender.cancelScheduledMessages(cancelled);
    expect(h.broker.entities().topics[0]).toMatchObject({
      scheduled: 2,
      subscriptions: [{ active: 0 }, { active: 0 }],
    });

    for (const receiver of receivers) {
      const bodies = (await eventuallyReceive(receiver, 2)).map((m) => m.body).sort();
      expect(bodies).toEqual(['scheduled later', 'sent later']);
      expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    }
  });

  test('entities() counts what a topic holds for later apart from what its subscriptions hold', async () => {
    const sender = h.client.createSender(TOPIC);
    await sender.scheduleMessages([{ body: 'later', sessionId: 't' }], new Date(Date.now() + 60_000));
    await sender.sendMessages({ body: 'now', sessionId: 't' });
    expect(h.broker.entities().topics).toEqual([
      {
        name: TOPIC,
        scheduled: 1,
        subscriptions: [
          expect.objectContaining({ name: 'dynamics', active: 1, deadLetter: 0 }),
          expect.objectContaining({ name: 'webhooks', active: 1, deadLetter: 0 }),
        ],
      },
    ]);
  });

  test('duplicate detection applies when a message is scheduled', async () => {
    const sender = h.client.createSender(PLAIN);
    await sender.scheduleMessages({ body: 'first', messageId: 'dup' }, soon());
    await sender.sendMessages({ body: 'again', messageId: 'dup' });
    const receiver = h.client.createReceiver(PLAIN);
    expect((await eventuallyReceive(receiver, 1)).map((m) => m.body)).toEqual(['first']);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
  });
});
