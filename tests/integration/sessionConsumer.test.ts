jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ServiceBusClient } from '@azure/service-bus';

import { startAzuriteTables } from '../../local/azurite';
import { EmbeddedBroker } from '../../local/broker';
import { listDeadLetters, replayDeadLetters } from '../../local/deadLetters';
import { SANDBOX_ACCOUNT } from '../../local/localSettings';
import { startSessionConsumer } from '../../local/sessionConsumer';
import { threadIdOf } from '../../shared/domain/threadId';
import { createConversationReader } from '../../shared/storage/conversationRows';
import { createTableClient } from '../../shared/storage/tableClients';
import { auditedLogger } from '../support/capturingLogger';
import { eventually, startChannelHarness } from '../support/channelHarness';
import { messagesOf } from '../support/threadMessages';

describe('the session consumer', () => {
  it('keeps order within a session and handles different sessions in parallel', async () => {
    const broker = await EmbeddedBroker.start({ queues: [{ name: 'q', requiresSession: true }] });
    const client = new ServiceBusClient(broker.connectionString);
    const handled: Array<{ session: string; n: number; start: number; end: number }> = [];
    const consumer = startSessionConsumer({
      client,
      queueName: 'q',
      logger: auditedLogger,
      maxConcurrentSessions: 2,
      handler: async (body) => {
        const { session, n } = body as { session: string; n: number };
        const start = Date.now();
        await new Promise((r) => setTimeout(r, 40));
        handled.push({ session, n, start, end: Date.now() });
      },
    });
    try {
      const sender = client.createSender('q');
      for (let n = 1; n <= 5; n++) {
        for (const session of ['a', 'b'])
          await sender.sendMessages({ body: { session, n }, sessionId: session, messageId: `${session}-${n}` });
      }
      await sender.close();
      await eventually(
        async () => handled.length,
        (count) => count === 10,
      );
      for (const session of ['a', 'b']) {
        expect(handled.filter((h) => h.session === session).map((h) => h.n)).toEqual([1, 2, 3, 4, 5]);
      }
      // Some message of a was being handled while some message of b was: the sessions ran side by side.
      const a = handled.filter((h) => h.session === 'a');
      const b = handled.filter((h) => h.session === 'b');
      expect(a.some((x) => b.some((y) => x.start < y.end && y.start < x.end))).toBe(true);
    } finally {
      await consumer.stop();
      await client.close();
      await broker.stop();
    }
  });
});

describe('events the router cannot apply', () => {
  it('are retried, dead-lettered after the delivery limit, and applied once when replayed after the fix', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sms-tables-'));
    const dataFile = path.join(dir, 'tables.json');
    // The router's own retry inside each delivery, kept short: the delivery limit is what this test is about.
    const h = await startChannelHarness({
      maxDeliveryCount: 3,
      dataFile,
      routeRetry: { budgetMs: 300, baseDelayMs: 50, maxDelayMs: 100 },
    });
    const client = h.channel.serviceBusClient;
    try {
      const azurite = h.channel.azurite!;
      const conversations = createConversationReader(
        createTableClient({ kind: 'connectionString', connectionString: azurite.connectionString }, 'threads'),
      );
      await azurite.stop(); // storage goes down: every attempt of the router fails

      const customer = '15555550777';
      const { callbackStatus } = await h.channel.sandbox!.simulateInbound({
        from: customer,
        to: SANDBOX_ACCOUNT.supportNumber,
        text: 'Anyone there?',
      });
      expect(callbackStatus).toBe(200); // the queue took it: nothing is lost
      const letters = await eventually(
        () => listDeadLetters(client, { queue: 'sms-inbound' }),
        (l) => l.length === 1,
        20_000,
      );
      expect(letters).toEqual([
        expect.objectContaining({ eventType: 'message.received', reason: 'MaxDeliveryCountExceeded' }),
      ]);

      const restarted = await startAzuriteTables({ port: azurite.port, dataFile }); // the fix
      try {
        expect(await replayDeadLetters(client, { queue: 'sms-inbound' })).toHaveLength(1);
        const threadId = threadIdOf(SANDBOX_ACCOUNT.customerId, SANDBOX_ACCOUNT.supportNumber, customer);
        const messages = await eventually(
          () => messagesOf(conversations, threadId, 1).catch(() => []),
          (m) => m.length > 0,
        );
        expect(messages.map((m) => m.text)).toEqual(['Anyone there?']);
        expect(await listDeadLetters(client, { queue: 'sms-inbound' })).toEqual([]);
      } finally {
        await restarted.stop();
      }
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
