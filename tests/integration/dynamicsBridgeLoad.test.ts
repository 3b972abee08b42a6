jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

/**
 * Issue 11's load acceptance, on the embedded channel (the whole of `npm start` in this process): 200 customer
 * SMS over 20 threads while the Dynamics sandbox answers 429 or 503 to a third of the Messaging API calls, then
 * 40 agent replies while its webhook delivers a third of the activities twice and some out of order. Every
 * customer message must land in its Dynamics conversation once and in order, every reply must reach Telesign
 * once, nothing may be dead-lettered, and no log line may carry a token, a secret or a full phone number.
 *
 * The sandbox's fault rolls are seeded, so the same share of calls fails on every run; Retry-After stays the
 * sandbox's 1 s, and the relay's sleep runs it 50 times faster so that the test takes seconds, not minutes.
 */
import type { BrokerEntities } from '../../local/broker';
import { listDeadLetters } from '../../local/deadLetters';
import { channelDeadLetterSources } from '../../local/deadLetterSources';
import type { ConversationView } from '../../local/dynamicsSandbox/types';
import { SANDBOX_ACCOUNT } from '../../local/localSettings';
import { type ChannelHarness, eventually, startChannelHarness } from '../support/channelHarness';

const THREADS = 20;
const PER_THREAD = 10;
const REPLIES_PER_THREAD = 2;
const SUPPORT = SANDBOX_ACCOUNT.supportNumber;

/** Fictional 555-02xx numbers: none ends like a sandbox test number with special delivery reports (01xx). */
const customers = Array.from({ length: THREADS }, (_, i) => `1555555${String(201 + i).padStart(4, '0')}`);
const label = (i: number) => `c${String(i + 1).padStart(2, '0')}`;
const customerText = (i: number, m: number) => `${label(i)} m${String(m + 1).padStart(2, '0')}`;
/** The agent writes markdown; the phone gets the plain text. */
const replyMarkdown = (i: number, r: number) => `**reply** ${label(i)} _r${r + 1}_`;
const replyPlain = (i: number, r: number) => `reply ${label(i)} r${r + 1}`;

let h: ChannelHarness;

const dynamics = () => h.channel.dynamicsSandbox!;
const telesign = () => h.channel.sandbox!;

/** Dynamics conversations of one customer, by the phone number the bridge gave at create (E.164 by default). */
const conversationsOf = (customer: string): ConversationView[] =>
  dynamics()
    .conversations()
    .filter((c) => c.customerContext.phonenumber === `+${customer}`);

/** What the customer said in a Dynamics conversation: the start message and the posted messages, not our automatic replies. */
const customerTexts = (c: ConversationView) =>
  c.messages.filter((m) => m.sender === 'customer' && !m.automated).map((m) => m.text);

const allTexts = () => customers.map((customer) => conversationsOf(customer).flatMap(customerTexts));

/** Nothing left to do for the triggers the test drives: the inbound queue, the relay's subscription, the agent queue. */
function drained(entities: BrokerEntities): boolean {
  const queues = entities.queues.every((q) => q.active === 0 && q.scheduled === 0);
  const relay = entities.topics.every(
    (t) => t.scheduled === 0 && t.subscriptions.filter((s) => s.name === 'dynamics').every((s) => s.active === 0),
  );
  return queues && relay;
}

const waitDrained = () =>
  eventually(
    async () => h.channel.broker!.entities(),
    (e) => drained(e),
    20_000,
  );

beforeAll(async () => {
  h = await startChannelHarness({
    maxConcurrentSessions: 8,
    dynamicsSandbox: {
      seed: 11,
      webhook: { retryDelaysMs: [20, 40], holdMs: 100, timeoutMs: 5_000 },
    },
    // The relay's own retry of 429/503: Retry-After (1 s) is still the floor, slept 50 times faster.
    dynamicsRelay: {
      baseDelayMs: 50,
      maxDelayMs: 1_000,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.ceil(ms / 50))),
    },
  });
  dynamics().setFaultRate({ rate: 1 / 3, statuses: [429, 503], retryAfterSeconds: 1 });
  // A few certain ones first, then a share of every later delivery.
  dynamics().setWebhookFaults({ duplicate: { next: 3, rate: 1 / 3 }, outOfOrder: { next: 2, rate: 0.2 } });
}, 30_000);

afterAll(async () => {
  await h?.stop();
});

describe('the Dynamics bridge under load, with Dynamics throttling, failing and repeating itself', () => {
  it('puts every customer message in its Dynamics conversation exactly once and in order', async () => {
    await Promise.all(
      customers.map(async (customer, i) => {
        for (let m = 0; m < PER_THREAD; m++) {
          // In order within a thread: the next SMS only once the channel has taken this one.
          const { callbackStatus } = await telesign().simulateInbound({
            from: customer,
            to: SUPPORT,
            text: customerText(i, m),
          });
          expect(callbackStatus).toBe(200);
        }
      }),
    );

    await eventually(
      async () => allTexts(),
      (texts) => texts.every((t) => t.length >= PER_THREAD),
      40_000,
    );
    // Let any late copy arrive before counting: nothing may come after the last message.
    await waitDrained();

    for (const [i, customer] of customers.entries()) {
      const found = conversationsOf(customer);
      expect({ customer: label(i), conversations: found.length }).toEqual({ customer: label(i), conversations: 1 });
      expect(customerTexts(found[0])).toEqual(Array.from({ length: PER_THREAD }, (_, m) => customerText(i, m)));
    }
    // The load did meet the faults (answered before any change, so each was retried, not lost).
    const played = (status: number) => h.logs.filter((l) => l.includes(`playing fault`) && l.includes(`"${status}"`));
    expect(played(429).length).toBeGreaterThan(0);
    expect(played(503).length).toBeGreaterThan(0);
  }, 60_000);

  it('sends every agent reply to Telesign exactly once, for the right customer', async () => {
    const started = telesign().sent().length;
    customers.forEach((customer, i) => {
      const [conversation] = conversationsOf(customer);
      dynamics().accept(conversation.conversationId, { id: `agent-${i + 1}`, name: `Agent ${label(i)}` });
      for (let r = 0; r < REPLIES_PER_THREAD; r++) dynamics().reply(conversation.conversationId, replyMarkdown(i, r));
    });

    const expected = customers.flatMap((customer, i) =>
      Array.from({ length: REPLIES_PER_THREAD }, (_, r) => ({ phoneNumber: customer, message: replyPlain(i, r) })),
    );
    const replies = () =>
      telesign()
        .sent()
        .slice(started)
        .filter((m) => m.message.startsWith('reply '))
        .map((m) => ({ phoneNumber: m.phoneNumber, message: m.message }));
    await eventually(
      async () => replies(),
      (sent) => sent.length >= expected.length,
      30_000,
    );
    await dynamics().webhookIdle();
    await waitDrained();

    const deliveries = dynamics().webhookDeliveries();
    // The faults did play: some activities were delivered twice, some overtaken, and every one reached us.
    expect(deliveries.some((d) => d.duplicateOf !== undefined)).toBe(true);
    expect(deliveries.some((d) => d.heldBack)).toBe(true);
    expect(deliveries.filter((d) => d.state !== 'delivered')).toEqual([]);

    const byText = (a: { message: string }, b: { message: string }) => a.message.localeCompare(b.message);
    expect(replies().sort(byText)).toEqual([...expected].sort(byText));
  }, 60_000);

  it('dead-letters nothing', async () => {
    for (const source of channelDeadLetterSources(h.channel.env)) {
      expect({ source, deadLetters: await listDeadLetters(h.channel.serviceBusClient, source) }).toEqual({
        source,
        deadLetters: [],
      });
    }
  });

  it('writes no token, client secret or full phone number to any log line', () => {
    expect(h.logs.length).toBeGreaterThan(0);
    const secrets = [dynamics().clientSecret()!, SANDBOX_ACCOUNT.apiKey];
    // Every form of each number: E.164 with +, the digits, the national digits (the others contain them).
    const numbers = customers.map((c) => c.slice(1));
    const jwt = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;
    const leaks = h.logs.filter(
      (line) =>
        jwt.test(line) ||
        /bearer\s+[A-Za-z0-9._~+/=-]{20,}/i.test(line) ||
        secrets.some((s) => line.includes(s)) ||
        numbers.some((n) => line.includes(n)),
    );
    expect(leaks).toEqual([]);
  });
});
