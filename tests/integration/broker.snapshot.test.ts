import { ServiceBusClient } from '@azure/service-bus';

import { EmbeddedBroker } from '../../local/broker';
import { fastRetry } from '../support/brokerHarness';
import { eventually } from '../support/eventually';

/**
 * A broker restarted from the snapshot of the one before (`npm start -- --data`): the messages it held, active,
 * dead-lettered and scheduled, come back through the real SDK with their bodies, sessions, ids and properties, and
 * the ids it remembered for duplicate detection are still remembered.
 */
const entities = {
  queues: [{ name: 'sms-inbound', requiresSession: true }],
  topics: [{ name: 'channel-events', subscriptions: [{ name: 'dynamics', requiresSession: true }] }],
};

describe('a broker snapshot', () => {
  it('brings back what a stopped broker held, in order, dead letters included', async () => {
    const first = await EmbeddedBroker.start(entities);
    const client = new ServiceBusClient(first.connectionString, fastRetry);
    const queue = client.createSender('sms-inbound');
    await queue.sendMessages(
      ['one', 'two', 'three'].map((text, i) => ({
        body: { text },
        messageId: `m${i}`,
        sessionId: 'thread-1',
        applicationProperties: { eventType: 'message.received' },
      })),
    );
    await client.createSender('channel-events').sendMessages({ body: 'event', messageId: 'e1', sessionId: 'thread-2' });
    const session = await client.acceptSession('sms-inbound', 'thread-1');
    const [taken] = await session.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await session.deadLetterMessage(taken, {
      deadLetterReason: 'storage_rejected',
      deadLetterErrorDescription: 'too big',
    });
    await session.close();
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    await client.close();
    await first.stop();

    const second = await EmbeddedBroker.start({ ...entities, restore: snapshot });
    expect(second.restored).toEqual({ restored: 4, unknown: [] });
    const again = new ServiceBusClient(second.connectionString, fastRetry);
    try {
      // The duplicate window came along: a resend of an id the first broker took is dropped.
      await again
        .createSender('sms-inbound')
        .sendMessages({ body: { text: 'one again' }, messageId: 'm0', sessionId: 'thread-1' });
      const resumed = await again.acceptSession('sms-inbound', 'thread-1');
      const messages = await resumed.receiveMessages(5, { maxWaitTimeInMs: 2000 });
      expect(messages.map((m) => [m.body, m.messageId, m.applicationProperties?.eventType])).toEqual([
        [{ text: 'two' }, 'm1', 'message.received'],
        [{ text: 'three' }, 'm2', 'message.received'],
      ]);
      await resumed.close();
      const dead = await again.createReceiver('sms-inbound', { subQueueType: 'deadLetter' }).peekMessages(5);
      expect(dead.map((m) => [m.body, m.deadLetterReason, m.sessionId])).toEqual([
        [{ text: 'one' }, 'storage_rejected', 'thread-1'],
      ]);
      const events = await again.acceptSession('channel-events', 'dynamics', 'thread-2');
      expect((await events.receiveMessages(1, { maxWaitTimeInMs: 2000 })).map((m) => m.body)).toEqual(['event']);
      await events.close();
    } finally {
      await again.close();
      await second.stop();
    }
  });

  it('holds a message scheduled for later again until its time, and releases one whose time passed at once', async () => {
    const first = await EmbeddedBroker.start(entities);
    const client = new ServiceBusClient(first.connectionString, fastRetry);
    const sender = client.createSender('sms-inbound');
    const now = Date.now();
    await sender.scheduleMessages({ body: 'later', messageId: 's1', sessionId: 'thread-3' }, new Date(now + 60_000));
    await sender.scheduleMessages({ body: 'soon', messageId: 's2', sessionId: 'thread-4' }, new Date(now + 60_000));
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    await client.close();
    await first.stop();
    expect(snapshot.scheduled).toHaveLength(1);
    // The second message's time passes while the broker is stopped.
    snapshot.scheduled[0].messages[1].dueAt = now - 1_000;

    const second = await EmbeddedBroker.start({ ...entities, restore: snapshot });
    expect(second.restored).toEqual({ restored: 2, unknown: [] });
    const again = new ServiceBusClient(second.connectionString, fastRetry);
    try {
      await eventually(
        async () => second.entities().queues[0],
        (q) => q.scheduled === 1 && q.active === 1,
      );
      const due = await again.acceptSession('sms-inbound', 'thread-4');
      const [released] = await due.receiveMessages(1, { maxWaitTimeInMs: 2000 });
      expect([released?.body, released?.messageId]).toEqual(['soon', 's2']);
      await due.completeMessage(released);
      await due.close();
      const held = await again.createReceiver('sms-inbound').peekMessages(5);
      expect(held.map((m) => [m.body, m.messageId, m.sessionId, m.state])).toEqual([
        ['later', 's1', 'thread-3', 'scheduled'],
      ]);
    } finally {
      await again.close();
      await second.stop();
    }
  });

  it('names a store or an entrance the snapshot holds that is no longer declared, and leaves it out', async () => {
    const broker = await EmbeddedBroker.start({
      queues: [{ name: 'sms-inbound', requiresSession: true }],
      restore: {
        version: 1,
        stores: [{ path: 'gone', active: [], deadLetter: [] }],
        scheduled: [{ entrance: 'gone-too', messages: [] }],
      },
    });
    expect(broker.restored).toEqual({ restored: 0, unknown: ['gone', 'gone-too'] });
    await broker.stop();
  });
});
