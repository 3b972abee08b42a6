jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

/**
 * Table Storage unreachable for a few seconds in the middle of a stream of SMS (issue 12, item 2): the callbacks
 * are still taken (they need only Service Bus), the router retries inside each delivery instead of spending the
 * delivery count in seconds, and once storage is back every message is stored once, in order, and nothing is
 * dead-lettered. The outage is a TCP proxy in front of Azurite, cut and restored, so the data survives it.
 */
import { type AzuriteTables, startAzuriteTables } from '../../local/azurite';
import { SANDBOX_ACCOUNT } from '../../local/localSettings';
import { threadIdOf } from '../../shared/domain/threadId';
import { createConversationReader } from '../../shared/storage/conversationRows';
import { createTableClient, developmentStorageConnectionString, tableNames } from '../../shared/storage/tableClients';
import { type ChannelHarness, deadLettersOf, eventually, startChannelHarness } from '../support/channelHarness';
import { recordFigures } from '../support/figures';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';
import { messagesOf } from '../support/threadMessages';

// Long enough that ten immediate redeliveries (the SDK's own retries included) would all fail inside it: without
// the router's retry this test dead-letters the events sent during the outage.
const OUTAGE_MS = 10_000;
let azurite: AzuriteTables;
let proxy: TcpProxy;
let h: ChannelHarness;

beforeAll(async () => {
  azurite = await startAzuriteTables();
  proxy = await startTcpProxy(azurite.port);
  h = await startChannelHarness({
    env: {
      AzureWebJobsStorage: developmentStorageConnectionString(`http://127.0.0.1:${proxy.port}/devstoreaccount1`),
      DYNAMICS_MESSAGING_URL: 'off',
    },
    // The same backoff as in Azure, only shorter; the budget outlasts the outage.
    routeRetry: { budgetMs: 30_000, baseDelayMs: 100, maxDelayMs: 1_000 },
  });
}, 30_000);

afterAll(async () => {
  await h?.stop();
  await proxy?.close();
  await azurite?.stop();
});

describe('a Table Storage outage mid-stream', () => {
  it('loses nothing, keeps each thread in order, and dead-letters nothing', async () => {
    const customers = ['15555550181', '15555550182', '15555550183'];
    const texts = Array.from({ length: 12 }, (_, i) => `part ${i + 1}`);
    // What this run injected and found, for the reliability figures; '5xx' counts callbacks answered 5xx.
    let smsSent = 0;
    let fivexx = 0;
    let outages = 0;
    const send = async (from: string, text: string) => {
      smsSent += 1;
      const result = await h.channel.sandbox!.simulateInbound({ from, to: SANDBOX_ACCOUNT.supportNumber, text });
      if (result.callbackStatus >= 500) fivexx += 1;
      return result;
    };

    for (const customer of customers) for (const text of texts.slice(0, 4)) await send(customer, text);
    await proxy.cut();
    outages += 1;
    try {
      for (const customer of customers)
        for (const text of texts.slice(4, 8)) expect((await send(customer, text)).callbackStatus).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    } finally {
      await proxy.restore();
    }
    for (const customer of customers) for (const text of texts.slice(8)) await send(customer, text);

    const storedTexts: string[][] = [];
    for (const customer of customers) {
      const threadId = threadIdOf(SANDBOX_ACCOUNT.customerId, SANDBOX_ACCOUNT.supportNumber, customer);
      const reader = createConversationReader(
        createTableClient({ kind: 'connectionString', connectionString: azurite.connectionString }, tableNames.threads),
      );
      const stored = await eventually(
        () => messagesOf(reader, threadId, 1),
        (messages) => messages.filter((m) => m.direction === 'inbound').length >= texts.length,
        40_000,
      );
      storedTexts.push(stored.filter((m) => m.direction === 'inbound').map((m) => m.text));
    }
    const deadLetters = await deadLettersOf(h.channel);
    recordFigures('storageOutage', {
      'fault: Table Storage stopped': outages,
      'SMS sent': smsSent,
      stored: storedTexts.reduce((n, t) => n + t.length, 0),
      lost: storedTexts.reduce((n, t) => n + texts.filter((text) => !t.includes(text)).length, 0),
      doubled: storedTexts.reduce((n, t) => n + t.length - new Set(t).size, 0),
      'dead-lettered': deadLetters.reduce((n, d) => n + d.dead.length, 0),
      '5xx': fivexx,
    });

    for (const found of storedTexts) expect(found).toEqual(texts);
    for (const { source, dead } of deadLetters) expect({ source, dead }).toEqual({ source, dead: [] });
    expect(h.logs.some((l) => l.includes('retrying inside this delivery') && l.includes('storage_unavailable'))).toBe(
      true,
    );
  }, 90_000);
});
