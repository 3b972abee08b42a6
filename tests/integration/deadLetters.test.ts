/**
 * The operator's dead-letter tools (local/deadLetters.ts, `npm run sms -- dead-letters`) on a topic subscription
 * and a session queue with duplicate detection, through the real SDK against the embedded broker: a dead-lettered
 * message is listed with its reason, and a replay puts it back under a new message id, in its session, before the
 * dead-lettered original is removed.
 */
import type { ServiceBusClient, ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';

import { namespaceHost } from '../../local/deadLetterClient';
import { listDeadLetters, replayDeadLetters } from '../../local/deadLetters';
import { sourceNamed } from '../../local/deadLetterSources';
import { type BrokerHarness } from '../support/brokerHarness';
import { startBrokerWith } from '../support/topicBrokerHarness';

const TOPIC = 'channel-events';
const QUEUE = 'sms-inbound';
let h: BrokerHarness;

beforeAll(async () => {
  h = await startBrokerWith({
    queues: [{ name: QUEUE, requiresSession: true, duplicateDetectionWindowMs: 10 * 60_000 }],
    topics: [{ name: TOPIC, subscriptions: [{ name: 'dynamics', requiresSession: true }] }],
  });
});

/** Sends one message to the queue in its session, receives it there and dead-letters it. */
async function deadLetterOne(messageId: string, sessionId: string): Promise<void> {
  const sender = h.client.createSender(QUEUE);
  await sender.sendMessages({ body: { id: messageId }, messageId, sessionId });
  await sender.close();
  await deadLetterNext(sessionId);
}

/** Receives the next message of the queue's session and dead-letters it, as ten failed deliveries would. */
async function deadLetterNext(sessionId: string): Promise<void> {
  const receiver = await h.client.acceptSession(QUEUE, sessionId);
  const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
  await receiver.deadLetterMessage(message, {
    deadLetterReason: 'MaxDeliveryCountExceeded',
    deadLetterErrorDescription: 'ten deliveries failed',
  });
  await receiver.close();
}

async function drainSession(sessionId: string): Promise<ServiceBusReceivedMessage[]> {
  const receiver = await h.client.acceptSession(QUEUE, sessionId);
  const received = await receiver.receiveMessages(10, { maxWaitTimeInMs: 1500 });
  for (const m of received) await receiver.completeMessage(m);
  await receiver.close();
  return received;
}

/**
 * The harness's client, with the replay's sender and dead-letter receiver watched: what happened, in order, and a
 * send that fails when asked to.
 */
function watchedClient(events: string[], failSend = false): ServiceBusClient {
  const client = h.client;
  const wrap = <T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T =>
    new Proxy(target, {
      get(t, p, r) {
        if (p in overrides) return overrides[p as keyof T];
        const value = Reflect.get(t, p, r);
        return typeof value === 'function' ? value.bind(t) : value;
      },
    });
  return wrap(client, {
    createSender: (entity: string) => {
      const sender = client.createSender(entity);
      return wrap(sender, {
        sendMessages: async (message: ServiceBusMessage) => {
          events.push('send');
          if (failSend) throw new Error('the namespace refused the send (Unauthorized)');
          await sender.sendMessages(message);
          events.push('accepted');
        },
      });
    },
    createReceiver: (...args: Parameters<ServiceBusClient['createReceiver']>) => {
      const receiver = (client.createReceiver as (...a: unknown[]) => ReturnType<ServiceBusClient['createReceiver']>)(
        ...args,
      );
      return wrap(receiver, {
        completeMessage: async (m: ServiceBusReceivedMessage) => {
          events.push('complete');
          await receiver.completeMessage(m);
        },
      });
    },
  });
}

afterAll(async () => {
  await h.close();
});

describe('the dead letters of the dynamics subscription', () => {
  it('are listed with their reason, and a replay brings each back once, in its session', async () => {
    const sender = h.client.createSender(TOPIC);
    await sender.sendMessages({
      body: { id: 'evt-1' },
      messageId: 'evt-1',
      sessionId: 'thread-1',
      applicationProperties: { eventType: 'message.received' },
    });
    await sender.close();
    const receiver = await h.client.acceptSession(TOPIC, 'dynamics', 'thread-1');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await receiver.deadLetterMessage(message, {
      deadLetterReason: 'dynamics_rejected',
      deadLetterErrorDescription: 'Dynamics refused the message (30001).',
    });
    await receiver.close();

    const source = sourceNamed(`${TOPIC}/Subscriptions/dynamics`);
    expect(await listDeadLetters(h.client, source)).toEqual([
      expect.objectContaining({
        entity: 'channel-events/Subscriptions/dynamics',
        messageId: 'evt-1',
        eventType: 'message.received',
        sessionId: 'thread-1',
        reason: 'dynamics_rejected',
        description: 'Dynamics refused the message (30001).',
      }),
    ]);

    expect(await replayDeadLetters(h.client, source)).toHaveLength(1);
    expect(await listDeadLetters(h.client, source)).toEqual([]);
    const again = await h.client.acceptSession(TOPIC, 'dynamics', 'thread-1');
    const replayed = await again.receiveMessages(5, { maxWaitTimeInMs: 2000 });
    expect(replayed.map((m) => m.body)).toEqual([{ id: 'evt-1' }]);
    expect(String(replayed[0].messageId)).toMatch(/^evt-1-replay-[0-9a-f-]{36}$/);
    await again.completeMessage(replayed[0]);
    await again.close();
  });

  it('refuses an entity name that is neither a queue nor topic/Subscriptions/subscription', () => {
    expect(sourceNamed('sms-inbound')).toEqual({ queue: 'sms-inbound' });
    expect(() => sourceNamed('channel-events/dynamics')).toThrow(/give a queue name, or topic\/Subscriptions/);
    expect(() => sourceNamed('')).toThrow(/--queue/);
  });
});

describe('the dead letters of a session queue with duplicate detection', () => {
  it('come back as a copy duplicate detection lets through, where a resend with the same id is dropped', async () => {
    await deadLetterOne('evt-dup', 'thread-dup');
    // What the old advice did: resend it as it was. Accepted, and dropped as a duplicate within the window.
    const naive = h.client.createSender(QUEUE);
    await naive.sendMessages({ body: { id: 'evt-dup' }, messageId: 'evt-dup', sessionId: 'thread-dup' });
    await naive.close();

    const replayed = await replayDeadLetters(h.client, sourceNamed(QUEUE));
    expect(replayed).toEqual([expect.objectContaining({ messageId: 'evt-dup', sessionId: 'thread-dup' })]);
    expect(await listDeadLetters(h.client, sourceNamed(QUEUE))).toEqual([]);

    const received = await drainSession('thread-dup');
    expect(received.map((m) => m.body)).toEqual([{ id: 'evt-dup' }]);
    expect(String(received[0].messageId)).not.toBe('evt-dup');
    expect(String(received[0].messageId)).toBe(replayed[0].replayedAs);
    expect(received[0].sessionId).toBe('thread-dup');
  });

  it('gives each replay of the same message its own id, so a second replay is not dropped either', async () => {
    await deadLetterOne('evt-twice', 'thread-twice');
    const [first] = await replayDeadLetters(h.client, sourceNamed(QUEUE));
    await deadLetterNext('thread-twice');

    const [second] = await replayDeadLetters(h.client, sourceNamed(QUEUE));
    expect(second.replayedAs).not.toBe(first.replayedAs);
    expect((await drainSession('thread-twice')).map((m) => String(m.messageId))).toEqual([second.replayedAs]);
  });

  it('removes the dead-lettered original only once Service Bus has accepted the copy', async () => {
    await deadLetterOne('evt-order', 'thread-order');
    const events: string[] = [];
    expect(await replayDeadLetters(watchedClient(events), sourceNamed(QUEUE))).toHaveLength(1);
    expect(events).toEqual(['send', 'accepted', 'complete']);
    expect(await drainSession('thread-order')).toHaveLength(1);
  });

  it('keeps the original dead-lettered, and says so, when the copy cannot be sent', async () => {
    await deadLetterOne('evt-refused', 'thread-refused');
    const events: string[] = [];
    await expect(replayDeadLetters(watchedClient(events, true), sourceNamed(QUEUE))).rejects.toThrow(
      /Could not requeue evt-refused \(it stays dead-lettered; 0 requeued before it\): the namespace refused/,
    );
    expect(events).toEqual(['send']);
    expect(await listDeadLetters(h.client, sourceNamed(QUEUE))).toEqual([
      expect.objectContaining({ messageId: 'evt-refused', sessionId: 'thread-refused' }),
    ]);
    // Cleaned up for the next test: a working replay now takes it.
    expect(await replayDeadLetters(h.client, sourceNamed(QUEUE))).toHaveLength(1);
    expect(await drainSession('thread-refused')).toHaveLength(1);
  });
});

describe('--namespace', () => {
  it('takes a namespace name or its host name', () => {
    expect(namespaceHost('sb-abc123')).toBe('sb-abc123.servicebus.windows.net');
    expect(namespaceHost('sb-abc123.servicebus.windows.net')).toBe('sb-abc123.servicebus.windows.net');
    expect(namespaceHost('sb://sb-abc123.servicebus.usgovcloudapi.net/')).toBe(
      'sb-abc123.servicebus.usgovcloudapi.net',
    );
    expect(() => namespaceHost('Endpoint=sb://x;SharedAccessKey=y')).toThrow(/--namespace/);
  });
});
