/**
 * The operator's dead-letter tools (local/deadLetters.ts, `npm run sms -- dead-letters`) on a topic subscription,
 * through the real SDK: a dead-lettered channel event is listed with its reason, and a replay puts it back on the
 * subscription under a new message id, in its session, before the dead-lettered original is removed.
 */
import { listDeadLetters, replayDeadLetters } from '../../local/deadLetters';
import { sourceNamed } from '../../local/deadLetterSources';
import { type BrokerHarness } from '../support/brokerHarness';
import { startBrokerWith } from '../support/topicBrokerHarness';

const TOPIC = 'channel-events';
let h: BrokerHarness;

beforeAll(async () => {
  h = await startBrokerWith({
    topics: [{ name: TOPIC, subscriptions: [{ name: 'dynamics', requiresSession: true }] }],
  });
});

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
    expect(String(replayed[0].messageId)).toMatch(/^evt-1-replay-/);
    await again.completeMessage(replayed[0]);
    await again.close();
  });

  it('refuses an entity name that is neither a queue nor topic/Subscriptions/subscription', () => {
    expect(sourceNamed('sms-inbound')).toEqual({ queue: 'sms-inbound' });
    expect(() => sourceNamed('channel-events/dynamics')).toThrow(/give a queue name, or topic\/Subscriptions/);
    expect(() => sourceNamed('')).toThrow(/--queue/);
  });
});
