import { isServiceBusError } from '@azure/service-bus';

import { type BrokerHarness, receiveAll } from '../support/brokerHarness';
import { startBrokerWith } from '../support/topicBrokerHarness';

const EVENTS = 'channel-events';
const FANOUT = 'fanout';

describe('embedded broker topics and subscriptions through the real SDK', () => {
  let h: BrokerHarness;

  beforeEach(async () => {
    h = await startBrokerWith({
      queues: [{ name: 'plain', requiresSession: false }],
      topics: [
        {
          name: EVENTS,
          subscriptions: [
            { name: 'dynamics', requiresSession: true },
            { name: 'webhooks', requiresSession: true },
          ],
        },
        {
          name: FANOUT,
          subscriptions: [
            { name: 'strict', requiresSession: false, maxDeliveryCount: 2 },
            { name: 'lenient', requiresSession: false, lockDurationMs: 1000 },
          ],
        },
      ],
    });
  });

  afterEach(async () => {
    await h.close();
  });

  test('every subscription gets its own copy of each message, with its own sequence numbers', async () => {
    const sender = h.client.createSender(FANOUT);
    await sender.sendMessages([1, 2, 3].map((n) => ({ body: n, messageId: `m${n}`, applicationProperties: { n } })));

    const strict = await receiveAll(h.client.createReceiver(FANOUT, 'strict'), 3);
    // Entity names are case-insensitive, as in Service Bus.
    const lenientReceiver = h.client.createReceiver('FanOut', 'LENIENT');
    const lenient = await receiveAll(lenientReceiver, 3);

    for (const copies of [strict, lenient]) {
      expect(copies.map((m) => [m.body, m.messageId, m.applicationProperties])).toEqual([
        [1, 'm1', { n: 1 }],
        [2, 'm2', { n: 2 }],
        [3, 'm3', { n: 3 }],
      ]);
      expect(copies.map((m) => Number(m.sequenceNumber))).toEqual([1, 2, 3]);
    }
    for (const m of lenient) await lenientReceiver.completeMessage(m);
    expect(await lenientReceiver.peekMessages(10)).toEqual([]);
    expect((await h.client.createReceiver(FANOUT, 'strict').peekMessages(10)).map((m) => m.body)).toEqual([1, 2, 3]);
  });

  test('a session subscription: acceptNextSession keeps each session in order, independently per subscription', async () => {
    const sender = h.client.createSender(EVENTS);
    for (let n = 1; n <= 3; n++)
      await sender.sendMessages([
        { body: `a${n}`, sessionId: 'a' },
        { body: `b${n}`, sessionId: 'b' },
      ]);

    const first = await h.client.acceptNextSession(EVENTS, 'dynamics');
    const second = await h.newClient().acceptNextSession(EVENTS, 'dynamics');
    expect([first.sessionId, second.sessionId].sort()).toEqual(['a', 'b']);
    for (const receiver of [first, second]) {
      const received = await receiveAll(receiver, 3);
      expect(received.map((m) => m.body)).toEqual([1, 2, 3].map((n) => `${receiver.sessionId}${n}`));
      for (const m of received) await receiver.completeMessage(m);
    }
    const drained = await h.client.acceptNextSession(EVENTS, 'dynamics').catch((e: unknown) => e);
    expect(isServiceBusError(drained) && drained.code).toBe('ServiceTimeout');

    const webhooks = await h.client.acceptSession(EVENTS, 'webhooks', 'b');
    expect((await webhooks.peekMessages(3)).map((m) => m.body)).toEqual(['b1', 'b2', 'b3']);
    await webhooks.setSessionState({ delivered: 1 });
    expect(await webhooks.getSessionState()).toEqual({ delivered: 1 });
    expect((await receiveAll(webhooks, 3)).map((m) => m.body)).toEqual(['b1', 'b2', 'b3']);
  });

  test('abandon, redelivery and dead-lettering on a subscription count its own deliveries', async () => {
    await h.client.createSender(FANOUT).sendMessages({ body: 'flaky', messageId: 'f1' });
    const strict = h.client.createReceiver(FANOUT, 'strict');
    const counts: number[] = [];
    for (let i = 0; i < 2; i++) {
      const [message] = await receiveAll(strict, 1);
      counts.push(message.deliveryCount ?? -1);
      await strict.abandonMessage(message);
    }
    expect(counts).toEqual([0, 1]);
    expect(await strict.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);

    const strictDlq = h.client.createReceiver(FANOUT, 'strict', { subQueueType: 'deadLetter' });
    const [dead] = await receiveAll(strictDlq, 1);
    expect(dead).toMatchObject({ body: 'flaky', messageId: 'f1', deadLetterReason: 'MaxDeliveryCountExceeded' });
    await strictDlq.completeMessage(dead);

    // The other subscription's copy was never delivered; dead-lettering it there keeps its own reason.
    const lenient = h.client.createReceiver(FANOUT, 'lenient');
    const [copy] = await receiveAll(lenient, 1);
    expect([copy.body, copy.deliveryCount]).toEqual(['flaky', 0]);
    const renewed = await lenient.renewMessageLock(copy);
    expect(renewed.getTime()).toBeGreaterThan(Date.now());
    await lenient.deadLetterMessage(copy, { deadLetterReason: 'Unwanted', deadLetterErrorDescription: 'not for us' });
    const lenientDlq = h.client.createReceiver(FANOUT, 'lenient', { subQueueType: 'deadLetter' });
    expect((await lenientDlq.peekMessages(5)).map((m) => [m.body, m.deadLetterReason])).toEqual([
      ['flaky', 'Unwanted'],
    ]);
  });

  test('a message id seen within the window is dropped at the topic, before the copies are made', async () => {
    const sender = h.client.createSender(FANOUT);
    await sender.sendMessages({ body: 'first', messageId: 'same' });
    await sender.sendMessages({ body: 'again', messageId: 'same' });
    await sender.sendMessages({ body: 'other', messageId: 'different' });
    // Duplicate detection is per entity: the same id on a queue is a new message there.
    await h.client.createSender('plain').sendMessages({ body: 'queue', messageId: 'same' });

    for (const subscription of ['strict', 'lenient']) {
      const receiver = h.client.createReceiver(FANOUT, subscription);
      expect((await receiveAll(receiver, 2)).map((m) => m.body)).toEqual(['first', 'other']);
      expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    }
    expect((await receiveAll(h.client.createReceiver('plain'), 1)).map((m) => m.body)).toEqual(['queue']);
  });

  test('sends to a subscription, receives from a topic and session-less messages to a session topic are refused', async () => {
    await expect(h.client.createSender(EVENTS).sendMessages({ body: 'no session' })).rejects.toThrow(/SessionId/);
    await expect(h.client.createSender(`${FANOUT}/Subscriptions/strict`).sendMessages({ body: 'x' })).rejects.toThrow(
      /sent to the topic/,
    );
    await expect(h.client.createReceiver(FANOUT).receiveMessages(1, { maxWaitTimeInMs: 200 })).rejects.toThrow(
      /is a topic/,
    );
    const error = await h.client
      .createReceiver(FANOUT, 'nobody')
      .receiveMessages(1, { maxWaitTimeInMs: 200 })
      .catch((e: unknown) => e);
    expect(isServiceBusError(error) && error.code).toBe('MessagingEntityNotFound');
  });

  test('entities() lists queues and subscriptions with their active and dead-letter depths', async () => {
    await h.client.createSender(FANOUT).sendMessages([{ body: 1 }, { body: 2 }]);
    await h.client.createSender('plain').sendMessages({ body: 'q' });
    const lenient = h.client.createReceiver(FANOUT, 'lenient');
    const [message] = await receiveAll(lenient, 1);
    await lenient.deadLetterMessage(message);

    const { queues, topics } = h.broker.entities();
    expect(queues).toEqual([
      { name: 'plain', path: 'plain', requiresSession: false, active: 1, deadLetter: 0, scheduled: 0 },
    ]);
    expect(topics.find((t) => t.name === FANOUT)).toEqual({
      name: FANOUT,
      scheduled: 0,
      subscriptions: [
        { name: 'strict', path: 'fanout/Subscriptions/strict', requiresSession: false, active: 2, deadLetter: 0 },
        { name: 'lenient', path: 'fanout/Subscriptions/lenient', requiresSession: false, active: 1, deadLetter: 1 },
      ],
    });
    expect(topics.find((t) => t.name === EVENTS)?.subscriptions.map((s) => [s.name, s.requiresSession])).toEqual([
      ['dynamics', true],
      ['webhooks', true],
    ]);
  });
});

describe('the duplicate-detection window', () => {
  test('is set per queue and per topic; an id is accepted again once its window has passed', async () => {
    const h = await startBrokerWith({
      queues: [{ name: 'q', requiresSession: false, duplicateDetectionWindowMs: 200 }],
      topics: [{ name: 't', duplicateDetectionWindowMs: 200, subscriptions: [{ name: 's', requiresSession: false }] }],
    });
    try {
      for (const entity of ['q', 't']) {
        const sender = h.client.createSender(entity);
        await sender.sendMessages({ body: 'first', messageId: 'id' });
        await sender.sendMessages({ body: 'within', messageId: 'id' });
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const entity of ['q', 't'])
        await h.client.createSender(entity).sendMessages({ body: 'after', messageId: 'id' });

      for (const receiver of [h.client.createReceiver('q'), h.client.createReceiver('t', 's')]) {
        expect((await receiveAll(receiver, 2)).map((m) => m.body)).toEqual(['first', 'after']);
        expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
      }
    } finally {
      await h.close();
    }
  });
});

describe('declaring topics', () => {
  test('a topic and a queue cannot share a name, nor two subscriptions of one topic', async () => {
    await expect(
      startBrokerWith({
        queues: [{ name: 'events', requiresSession: false }],
        topics: [{ name: 'Events', subscriptions: [] }],
      }),
    ).rejects.toThrow(/declared twice/);
    await expect(
      startBrokerWith({
        topics: [
          {
            name: 't',
            subscriptions: [
              { name: 's', requiresSession: false },
              { name: 'S', requiresSession: false },
            ],
          },
        ],
      }),
    ).rejects.toThrow(/declared twice/);
  });
});
