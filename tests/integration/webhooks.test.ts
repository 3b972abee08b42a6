jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { randomBytes } from 'node:crypto';

import { SANDBOX_ACCOUNT } from '../../local/localSettings';
import { type ReceivedDelivery, startWebhookReceiver } from '../../local/webhookReceiver';
import { type ChannelHarness, eventually, startChannelHarness } from '../support/channelHarness';
import { registerSecret } from '../support/logAudit';
import { expectValidDelivery } from '../support/webhookSchemas';

/**
 * The outbound webhooks end to end (docs/webhooks.md): the channel as `npm start` runs it, real receivers on
 * loopback verifying every delivery with the `standardwebhooks` package as a consumer would, and the schemas of
 * docs/webhooks.md checked against every delivery. The retry schedule is shortened; everything else is Azure's.
 */

const SUPPORT = SANDBOX_ACCOUNT.supportNumber;
const newSecret = () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  registerSecret(secret);
  return secret;
};

interface Receiver {
  url: string;
  /** Every verified delivery, in arrival order, with what it was answered. */
  got: Array<ReceivedDelivery & { status: number }>;
  refused: string[];
  status: number;
  close(): Promise<void>;
}

async function receiver(secret: string, status = 204): Promise<Receiver> {
  const r: Receiver = { url: '', got: [], refused: [], status, close: async () => undefined };
  const server = await startWebhookReceiver({
    port: 0,
    secrets: [secret],
    answer: (d) => {
      const answered = r.status;
      r.got.push({ ...d, status: answered });
      return answered;
    },
    onRefused: ({ reason }) => r.refused.push(reason),
  });
  r.url = server.url;
  r.close = server.close;
  return r;
}

const delivered = (r: Receiver) => r.got.filter((d) => d.status >= 200 && d.status < 300);
const idsOf = (list: ReceivedDelivery[]) => list.map((d) => d.id);
const threadOf = (d: ReceivedDelivery) => (d.payload as { data: { threadId: string } }).data.threadId;
const byThread = (list: ReceivedDelivery[]) => {
  const threads = new Map<string, string[]>();
  for (const d of list) threads.set(threadOf(d), [...(threads.get(threadOf(d)) ?? []), d.id]);
  return threads;
};

function channelEnv(endpoints: object[], secrets: Record<string, string>) {
  return {
    WEBHOOK_ENDPOINTS: JSON.stringify(endpoints),
    LOCAL_SECRETS: JSON.stringify({ [SANDBOX_ACCOUNT.apiKeySecretName]: SANDBOX_ACCOUNT.apiKey, ...secrets }),
    WEBHOOK_TIMEOUT_SECONDS: '2',
    // The bridge is not what these tests are about; off, the channel starts faster.
    DYNAMICS_MESSAGING_URL: 'off',
  };
}

let customerSeq = 0;
const newCustomer = () => `1555556${String(++customerSeq).padStart(4, '0')}`;

async function inbound(h: ChannelHarness, from: string, text: string) {
  const response = await fetch(`${h.channel.sandbox!.url}/sandbox/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, to: SUPPORT, text }),
  });
  expect(response.status).toBe(200);
}

describe('one endpoint failing for a while beside a healthy one', () => {
  let h: ChannelHarness;
  let healthy: Receiver;
  let flaky: Receiver;
  const secretA = newSecret();
  const secretB = newSecret();

  beforeAll(async () => {
    healthy = await receiver(secretA);
    flaky = await receiver(secretB, 500);
    h = await startChannelHarness({
      env: channelEnv(
        [
          { name: 'healthy', url: healthy.url, secretName: 'wh-healthy', events: ['*'] },
          { name: 'flaky', url: flaky.url, secretName: 'wh-flaky', events: ['*'] },
        ],
        { 'wh-healthy': secretA, 'wh-flaky': secretB },
      ),
      // 250 ms between attempts instead of seconds to hours, and enough of them to outlast the outage.
      webhooks: { retryScheduleMs: [0, ...Array<number>(40).fill(250)], random: () => 0.5 },
    });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
    await healthy?.close();
    await flaky?.close();
  });

  it('delivers every event to the healthy endpoint at once, and to the other once it recovers, in order and once each', async () => {
    const customers = [newCustomer(), newCustomer(), newCustomer()];
    // Each customer's messages one after the other (a thread's order is its arrival order); customers in parallel.
    await Promise.all(
      customers.map(async (customer) => {
        for (const n of [1, 2, 3]) await inbound(h, customer, `Message ${n} from ${customer.slice(-4)}`);
      }),
    );
    // Three customers, three messages each: 9 received, 3 conversations started.
    const received = () => healthy.got.filter((d) => d.type === 'message.received');
    await eventually(
      () => Promise.resolve(received().length),
      (n) => n >= 9,
      15_000,
    );
    const startedCount = () => healthy.got.filter((d) => d.type === 'conversation.started').length;
    await eventually(
      () => Promise.resolve(startedCount()),
      (n) => n >= 3,
      5_000,
    );
    // Meanwhile the flaky endpoint was tried and answered 500, and nothing reached it.
    expect(flaky.got.length).toBeGreaterThan(0);
    expect(delivered(flaky)).toEqual([]);

    const expected = idsOf(healthy.got);
    flaky.status = 204;
    await eventually(
      () => Promise.resolve(delivered(flaky).length),
      (n) => n >= expected.length,
      20_000,
    );

    // Each webhook-id reached each endpoint exactly once, and nothing is missing.
    expect(new Set(idsOf(delivered(flaky))).size).toBe(delivered(flaky).length);
    expect(new Set(expected).size).toBe(expected.length);
    expect(new Set(idsOf(delivered(flaky)))).toEqual(new Set(expected));
    // A conversation's events reached the recovered endpoint in the order the healthy one got them.
    expect(byThread(delivered(flaky))).toEqual(byThread(healthy.got));
    const texts = received()
      .filter((d) => threadOf(d) === threadOf(received()[0]))
      .map((d) => (d.payload as { data: { text: string } }).data.text);
    expect(texts).toEqual(texts.slice().sort());

    for (const d of [...healthy.got, ...flaky.got]) expectValidDelivery(d.payload);
    expect([...healthy.refused, ...flaky.refused]).toEqual([]);
  }, 60_000);

  it('delivers an agent reply and its delivery report as message.sent and message.status_changed', async () => {
    const customer = newCustomer();
    await inbound(h, customer, 'Where is my parcel?');
    const conversationId = await eventually(
      () =>
        Promise.resolve(
          healthy.got.find(
            (d) =>
              d.type === 'conversation.started' &&
              (d.payload as { data: { customer: { digits: string } } }).data.customer.digits === customer,
          ),
        ),
      (d) => d !== undefined,
      10_000,
    ).then((d) => (d!.payload as { data: { conversationId: string } }).data.conversationId);
    const reply = await h.api('POST', '/api/messages', { conversationId, text: 'On its way.' });
    expect(reply.status).toBe(202);
    const statuses = () =>
      delivered(flaky)
        .filter((d) => (d.payload as { data: { messageId?: string } }).data.messageId === reply.body.messageId)
        .map((d) =>
          d.type === 'message.status_changed' ? (d.payload as { data: { status: string } }).data.status : d.type,
        );
    await eventually(
      () => Promise.resolve(statuses()),
      (s) => s.includes('delivered'),
      10_000,
    );
    expect(statuses()[0]).toBe('message.sent');
    for (const d of [...healthy.got, ...flaky.got]) expectValidDelivery(d.payload);
  }, 30_000);

  it('shows both endpoints enabled in health', async () => {
    const health = await h.api('GET', '/api/health');
    expect(health.body.webhooks).toEqual({ endpoints: 2, disabled: 0 });
  });
});

describe('an endpoint that answers 410, and one that fails every attempt', () => {
  let h: ChannelHarness;
  let gone: Receiver;
  let down: Receiver;
  const secretG = newSecret();
  const secretD = newSecret();

  beforeAll(async () => {
    gone = await receiver(secretG, 410);
    down = await receiver(secretD, 503);
    h = await startChannelHarness({
      env: channelEnv(
        [
          { name: 'gone', url: gone.url, secretName: 'wh-gone', events: ['message.received'] },
          { name: 'down', url: down.url, secretName: 'wh-down', events: ['conversation.started'] },
        ],
        { 'wh-gone': secretG, 'wh-down': secretD },
      ),
      webhooks: { retryScheduleMs: [0, 50, 50], random: () => 0.5 },
    });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
    await gone?.close();
    await down?.close();
  });

  it('disables the endpoint that answered 410, keeps that delivery as failed, and sends it nothing more', async () => {
    const customer = newCustomer();
    await inbound(h, customer, 'First');
    await eventually(
      () => Promise.resolve(gone.got.length),
      (n) => n >= 1,
      10_000,
    );
    await eventually(
      () => h.api('GET', '/api/health'),
      (r) => r.body.webhooks?.disabled === 1,
      5_000,
    );
    await inbound(h, customer, 'Second');
    await inbound(h, newCustomer(), 'Third');
    const failed = await eventually(
      () => h.channel.app.webhooks!.failed('gone', 10),
      (list) => list.length === 1,
      5_000,
    );
    expect(failed[0]).toMatchObject({ reason: 'endpoint_gone', attempts: 1 });
    // The later messages were routed (the down endpoint heard of the new conversation) but gone got none of them.
    await eventually(
      () => Promise.resolve(down.got.length),
      (n) => n >= 2,
      10_000,
    );
    expect(gone.got).toHaveLength(1);
    const status = await h.channel.app.webhooks!.status();
    expect(status.find((s) => s.name === 'gone')).toMatchObject({ state: 'disabled', failed: 1 });
  }, 30_000);

  it('keeps a delivery as failed after its last attempt, and replay delivers it with the same webhook-id', async () => {
    const failed = await eventually(
      () => h.channel.app.webhooks!.failed('down', 10),
      (list) => list.length >= 2,
      10_000,
    );
    expect(failed.every((f) => f.reason === 'retries_exhausted' && f.attempts === 3)).toBe(true);
    const attemptsBefore = down.got.length;
    expect(attemptsBefore).toBe(failed.length * 3);

    down.status = 200;
    const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const replay = await h.channel.app.webhooks!.replay(
      { endpoint: 'down', eventIds: [failed[0].delivery.eventId, 'ce-none'] },
      logger,
    );
    expect(replay.replayed.map((f) => f.delivery.eventId)).toEqual([failed[0].delivery.eventId]);
    expect(replay.notFound).toEqual(['ce-none']);
    await eventually(
      () => Promise.resolve(delivered(down).length),
      (n) => n === 1,
      10_000,
    );
    expect(delivered(down)[0].id).toBe(failed[0].delivery.eventId);
    expect(await h.channel.app.webhooks!.failed('down', 10)).toHaveLength(failed.length - 1);
    for (const d of [...gone.got, ...down.got]) expectValidDelivery(d.payload);
  }, 30_000);
});
