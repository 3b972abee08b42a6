import { ServiceBusClient } from '@azure/service-bus';

import { EmbeddedBroker } from '../../local/broker';
import { startSessionConsumer } from '../../local/sessionConsumer';
import { capturingLogger } from '../support/capturingLogger';
import { eventually } from '../support/eventually';

/** An hour: a kept session's wait never ends by itself within a test, only by another session or by stop. */
const KEPT_FOR_GOOD = 60 * 60_000;

let broker: EmbeddedBroker;
let client: ServiceBusClient;

beforeEach(async () => {
  broker = await EmbeddedBroker.start({ queues: [{ name: 'q', requiresSession: true }], nextSessionWaitMs: 300 });
  client = new ServiceBusClient(broker.connectionString);
});

afterEach(async () => {
  await client.close();
  await broker.stop();
});

/** The sessions the consumer's accepts were granted, in order. */
function grantedSessions(of: ServiceBusClient): string[] {
  const granted: string[] = [];
  const accept = of.acceptNextSession.bind(of) as (...args: unknown[]) => ReturnType<typeof of.acceptNextSession>;
  of.acceptNextSession = (async (...args: unknown[]) => {
    const receiver = await accept(...args);
    granted.push(receiver.sessionId);
    return receiver;
  }) as typeof of.acceptNextSession;
  return granted;
}

function consumerOn(
  consumerClient: ServiceBusClient,
  options: { sessions: number; idleMs: number; lines?: string[] },
  handled: string[],
) {
  return startSessionConsumer({
    client: consumerClient,
    queueName: 'q',
    logger: capturingLogger(options.lines ?? []),
    maxConcurrentSessions: options.sessions,
    sessionIdleMs: options.idleMs,
    handler: async (body) => {
      handled.push(String(body));
    },
  });
}

async function send(session: string, bodies: string[]) {
  const sender = client.createSender('q');
  for (const body of bodies) await sender.sendMessages({ body, sessionId: session, messageId: body });
  await sender.close();
}

const count = (handled: string[], n: number) =>
  eventually(
    async () => handled.length,
    (c) => c >= n,
  );

describe('a session kept for its next message', () => {
  it('gets the messages that come after it drained, in order, without being accepted again', async () => {
    const consumerClient = new ServiceBusClient(broker.connectionString);
    const granted = grantedSessions(consumerClient);
    const handled: string[] = [];
    const consumer = consumerOn(consumerClient, { sessions: 2, idleMs: KEPT_FOR_GOOD }, handled);
    try {
      await send('a', ['a1', 'a2']);
      await count(handled, 2);
      await send('a', ['a3']);
      await send('a', ['a4', 'a5']);
      await count(handled, 5);
      expect(handled).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
      expect(granted).toEqual(['a']);
    } finally {
      await consumer.stop();
      await consumerClient.close();
    }
  });

  it('gives its worker to another session that has messages, and each session keeps its order', async () => {
    const consumerClient = new ServiceBusClient(broker.connectionString);
    const handled: string[] = [];
    const consumer = consumerOn(consumerClient, { sessions: 1, idleMs: KEPT_FOR_GOOD }, handled);
    try {
      await send('a', ['a1']);
      await count(handled, 1);
      await send('b', ['b1', 'b2']);
      await count(handled, 3);
      await send('a', ['a2']);
      await send('c', ['c1']);
      await count(handled, 5);
      expect(handled.filter((h) => h.startsWith('a'))).toEqual(['a1', 'a2']);
      expect(handled.filter((h) => h.startsWith('b'))).toEqual(['b1', 'b2']);
      expect(handled).toContain('c1');
    } finally {
      await consumer.stop();
      await consumerClient.close();
    }
  });

  it('is let go after the idle time, so another receiver can take it', async () => {
    const consumerClient = new ServiceBusClient(broker.connectionString);
    const handled: string[] = [];
    const consumer = consumerOn(consumerClient, { sessions: 2, idleMs: 100 }, handled);
    try {
      await send('a', ['a1']);
      await count(handled, 1);
      const other = await eventually(
        () => client.acceptSession('q', 'a').catch(() => undefined),
        (receiver) => receiver !== undefined,
      );
      expect(other?.sessionId).toBe('a');
      await other?.close();
    } finally {
      await consumer.stop();
      await consumerClient.close();
    }
  });

  it('is let go when the consumer stops, which does not wait for the idle time', async () => {
    const consumerClient = new ServiceBusClient(broker.connectionString);
    const handled: string[] = [];
    const lines: string[] = [];
    const consumer = consumerOn(consumerClient, { sessions: 2, idleMs: KEPT_FOR_GOOD, lines }, handled);
    await send('a', ['a1']);
    // Completed, not only handled: the session is then only kept, waiting for its next message.
    await eventually(
      async () => broker.entities().queues[0].active,
      (active) => active === 0,
    );
    await consumer.stop();
    expect(lines.filter((l) => l.includes('did not finish in time'))).toEqual([]);
    // Nothing of the stopped consumer holds the session any more, and nothing it left takes new messages.
    const other = await client.acceptSession('q', 'a');
    await send('a', ['a2']);
    const [next] = await other.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(next?.body).toBe('a2');
    await other.completeMessage(next);
    await other.close();
    expect(handled).toEqual(['a1']);
    await consumerClient.close();
  });
});
