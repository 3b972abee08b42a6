import { type App, buildApp } from '../../shared/app';
import { channelEventIds } from '../../shared/domain/channelEventIds';
import { type ChannelEvent, channelEventSchema } from '../../shared/domain/channelEvents';
import { STUCK_SEND_AFTER_MS, STUCK_SEND_REASON } from '../../shared/domain/stuckSend';
import { messageIdOf } from '../../shared/domain/thread';
import { threadIdOf } from '../../shared/domain/threadId';
import type { MessagePointer } from '../../shared/ports/referenceStore';
import type { SendsInFlight } from '../../shared/ports/sendsInFlight';
import type { React } from '../../shared/services/reactions';
import { type SendDeps, sendMessage } from '../../shared/services/send';
import { parseSendRequest, type SendCommand } from '../../shared/services/sendRequest';
import { settleStuckSends, type StuckSendsDeps } from '../../shared/services/stuckSends';
import { createSendsInFlight } from '../../shared/storage/sendsInFlight';
import type { SendSmsRequest, TelesignClient } from '../../shared/telesign/client';
import { auditedLogger } from '../support/capturingLogger';
import { figures, recordFigures } from '../support/figures';
import { type RouteHarness, startRouteHarness, testConfig, uniqueRef } from '../support/routeHarness';
import { account1 } from '../support/telesignFixtures';

/**
 * Failure 7 of issue 12: a send interrupted by a crash (after the `queued` commit, before Telesign's answer was
 * recorded) is settled `unknown` past the bound, by a retry with its key and by the sweep, and never resent. On
 * Azurite. The crash: a Telesign client that never answers, so the first process never records an outcome; the
 * restart: a new service instance over the same tables, with a clock the test moves.
 */

const SUPPORT = '14252306549';
let customerSeq = 100;
const newCustomer = () => `1555556${String(++customerSeq).padStart(4, '0')}`;
const threadOf = (customer: string) => threadIdOf(account1.customerId, SUPPORT, customer);

let h: RouteHarness;
let inFlight: SendsInFlight;
let clock: number;
const now = () => new Date(clock);

beforeAll(async () => {
  h = await startRouteHarness();
  inFlight = createSendsInFlight(h.tables.sendsInFlight);
});
afterAll(() => h.stop());
/**
 * What this file injected and found, for the reliability figures: the crashes (and the one dropped connection),
 * the messages Telesign was asked to send more than once where a restarted process could have, and the messages
 * a test found still `queued` once it was done with them.
 */
const seen = figures('fault: crash mid-send', 'fault: Telesign dropped connection', 'sent twice', 'left queued');
afterAll(() => recordFigures('stuckSends', seen));
beforeEach(() => {
  clock = Date.parse('2026-03-01T10:00:00.000Z') + ++customerSeq * 3_600_000;
});

/** Telesign as the test wants it, counting what reached it. */
function telesign(answer: (req: SendSmsRequest) => Promise<{ referenceId: string }>) {
  const sent: SendSmsRequest[] = [];
  const client: TelesignClient = {
    async sendSms(req) {
      sent.push(req);
      const { referenceId } = await answer(req);
      return { referenceId, status: { code: 290, description: 'Message in progress' }, raw: {} };
    },
    getStatus: () => Promise.reject(new Error('not used')),
    checkCredentials: () => Promise.reject(new Error('not used')),
  };
  return { client, sent };
}

/** A Telesign that takes the request and never answers: the process "dies" inside the call. */
const neverAnswers = () => telesign(() => new Promise<never>(() => undefined));
const accepts = () => telesign(async () => ({ referenceId: uniqueRef() }));

/** One process of the send service over the shared tables. */
const service = (client: TelesignClient): SendDeps => ({
  ...h.deps,
  index: h.stores.index,
  secrets: { get: async () => 'key', invalidate() {} },
  telesignFor: () => client,
  inFlight,
  now,
  inFlightWaitMs: 0,
  sleep: async () => undefined,
});

function command(body: unknown, key?: string): SendCommand {
  const parsed = parseSendRequest(body, key);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

const firstText = (customer: string) =>
  command({ to: `+${customer}`, from: SUPPORT, text: 'Your parcel is on its way' });
const keyed = (customer: string, key: string) =>
  command({ to: `+${customer}`, from: SUPPORT, text: 'Your parcel is on its way' }, key);

const pointerOf = (customer: string, m = 1): MessagePointer => ({ threadId: threadOf(customer), conversation: 1, m });
const stored = async (p: MessagePointer) =>
  (await h.stores.threads.readMessage(p.threadId, p.conversation, p.m)).message;
async function entriesFor(p: MessagePointer) {
  const all = await inFlight.queuedBefore(new Date('9999-01-01T00:00:00.000Z'), 10_000);
  return all.filter((e) => messageIdOf(e.pointer) === messageIdOf(p));
}

/** The first process records the message `queued`, calls Telesign and dies there: it never comes back. */
async function crashMidSend(cmd: SendCommand, p: MessagePointer) {
  const dying = neverAnswers();
  void sendMessage(cmd, service(dying.client));
  seen['fault: crash mid-send'] += 1;
  for (let i = 0; i < 200 && dying.sent.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(dying.sent).toHaveLength(1);
  expect(await stored(p)).toMatchObject({ status: 'queued' });
  return dying;
}

/** Counts the message if a test is done with it and it is still `queued`. */
async function countLeftQueued(p: MessagePointer) {
  if ((await stored(p))?.status === 'queued') seen['left queued'] += 1;
}

/** Counts the message if Telesign was asked to send it more than once, by the dying process and the restarted. */
function countSentTwice(...sent: SendSmsRequest[][]) {
  if (sent.flat().length > 1) seen['sent twice'] += 1;
}

function capturing() {
  const handed: ChannelEvent[][] = [];
  const react: React = async (events) => void handed.push([...events]);
  return { react, handed };
}

const sweepDeps = (react: React): StuckSendsDeps => ({
  threads: h.stores.threads,
  inFlight,
  react,
  now,
  logger: auditedLogger,
});

const expectValid = (events: ChannelEvent[]) => {
  for (const event of events) expect(channelEventSchema.parse(event)).toEqual(event);
};

describe('a retry with the same Idempotency-Key after a crash mid-send', () => {
  it('answers 409 within the bound, then the recorded unknown outcome past it, and never sends twice', async () => {
    const customer = newCustomer();
    const p = pointerOf(customer);
    const dying = await crashMidSend(keyed(customer, `k-${customer}`), p);
    expect(await entriesFor(p)).toHaveLength(1);

    // The restart: a new process over the same tables, whose Telesign would answer at once.
    const restarted = accepts();
    clock += STUCK_SEND_AFTER_MS - 1_000;
    const early = await sendMessage(keyed(customer, `k-${customer}`), service(restarted.client));
    expect(early.result).toMatchObject({ ok: false, error: { code: 'idempotency_conflict' } });
    expect(await stored(p)).toMatchObject({ status: 'queued' });

    clock += 2_000;
    const late = await sendMessage(keyed(customer, `k-${customer}`), service(restarted.client));
    const messageId = messageIdOf(p);
    expect(late.result).toEqual({
      ok: true,
      value: expect.objectContaining({
        messageId,
        status: 'unknown',
        note: `${STUCK_SEND_REASON}; it is not resent, and its delivery report will settle it.`,
      }),
    });
    expect(late.result.ok && late.result.value.referenceId).toBeUndefined();
    expect(restarted.sent).toHaveLength(0);

    // The same kind of events as an unknown outcome of the call to Telesign; it also started the conversation.
    expect(late.events.map((e) => e.type)).toEqual(['conversation.started', 'message.sent']);
    expect(late.events[1]).toMatchObject({
      id: channelEventIds.messageSent(messageId),
      status: 'unknown',
      description: STUCK_SEND_REASON,
      idempotencyKey: `k-${customer}`,
      at: now().toISOString(),
    });
    expectValid(late.events);

    const message = await stored(p);
    expect(message).toMatchObject({ status: 'unknown', failureReason: STUCK_SEND_REASON });
    expect(message!.timeline!.map((t) => t.status)).toEqual(['queued', 'unknown']);
    expect(await entriesFor(p)).toEqual([]);

    // Every later retry answers the same, with the same events, and still sends nothing.
    clock += 60_000;
    const again = await sendMessage(keyed(customer, `k-${customer}`), service(restarted.client));
    countSentTwice(dying.sent, restarted.sent);
    expect(again).toEqual(late);
    expect(restarted.sent).toHaveLength(0);
    // Nothing stuck is left for the sweep.
    const sweep = capturing();
    await settleStuckSends(sweepDeps(sweep.react));
    expect(sweep.handed.flat().filter((e) => e.threadId === p.threadId)).toEqual([]);
    await countLeftQueued(p);
  });

  it('a retry that waits across the bound gets the unknown outcome rather than 409', async () => {
    const customer = newCustomer();
    const p = pointerOf(customer);
    const dying = await crashMidSend(keyed(customer, `k-${customer}`), p);
    clock += STUCK_SEND_AFTER_MS - 150;
    const restarted = accepts();
    // The wait's pauses move the clock as they would pass.
    const waiting: SendDeps = {
      ...service(restarted.client),
      inFlightWaitMs: 5_000,
      sleep: async (ms) => void (clock += ms),
    };
    const answer = await sendMessage(keyed(customer, `k-${customer}`), waiting);
    countSentTwice(dying.sent, restarted.sent);
    await countLeftQueued(p);
    expect(answer.result).toMatchObject({ ok: true, value: { status: 'unknown' } });
    expect(restarted.sent).toHaveLength(0);
  });
});

describe('the sweep', () => {
  it('leaves a message within the bound alone, settles it unknown past the bound with its events, once', async () => {
    const customer = newCustomer();
    const p = pointerOf(customer);
    // No Idempotency-Key: no retry can come back for it, only the sweep.
    await crashMidSend(firstText(customer), p);
    const sweep = capturing();
    const mine = () => sweep.handed.flat().filter((e) => e.threadId === p.threadId);

    clock += STUCK_SEND_AFTER_MS;
    await settleStuckSends(sweepDeps(sweep.react));
    expect(mine()).toEqual([]);
    expect(await stored(p)).toMatchObject({ status: 'queued' });
    expect(await entriesFor(p)).toHaveLength(1);

    clock += 1;
    const run = await settleStuckSends(sweepDeps(sweep.react));
    expect(run.settled).toBeGreaterThanOrEqual(1);
    expect(await stored(p)).toMatchObject({ status: 'unknown', failureReason: STUCK_SEND_REASON });
    expect(mine().map((e) => e.type)).toEqual(['conversation.started', 'message.sent']);
    expect(mine()[1]).toMatchObject({
      id: channelEventIds.messageSent(messageIdOf(p)),
      status: 'unknown',
      description: STUCK_SEND_REASON,
      at: now().toISOString(),
    });
    expectValid(mine());
    expect(await entriesFor(p)).toEqual([]);

    // Idempotent: nothing more the next time.
    const handedBefore = mine().length;
    clock += 60_000;
    await settleStuckSends(sweepDeps(sweep.react));
    expect(mine()).toHaveLength(handedBefore);
    expect((await stored(p))!.timeline!.map((t) => t.status)).toEqual(['queued', 'unknown']);
    await countLeftQueued(p);
  });

  it("emits a reply's message.sent without a conversation.started", async () => {
    const customer = newCustomer();
    await sendMessage(firstText(customer), service(accepts().client));
    const reply = pointerOf(customer, 2);
    await crashMidSend(command({ conversationId: `${threadOf(customer)}.1`, text: 'Any news?' }), reply);
    clock += STUCK_SEND_AFTER_MS + 1;
    const sweep = capturing();
    await settleStuckSends(sweepDeps(sweep.react));
    const mine = sweep.handed.flat().filter((e) => e.threadId === reply.threadId);
    await countLeftQueued(reply);
    expect(mine.map((e) => e.type)).toEqual(['message.sent']);
    expect(mine[0]).toMatchObject({ messageId: messageIdOf(reply), status: 'unknown' });
  });

  it('removes an entry only once its events were handed on: a run that fails is finished by the next', async () => {
    const customer = newCustomer();
    const p = pointerOf(customer);
    await crashMidSend(firstText(customer), p);
    clock += STUCK_SEND_AFTER_MS + 1;
    let failing = true;
    const handed: ChannelEvent[] = [];
    const react: React = async (events) => {
      const mine = events.filter((e) => e.threadId === p.threadId);
      if (failing && mine.length) throw new Error('the topic and the outbox are down');
      handed.push(...mine);
    };
    const first = await settleStuckSends(sweepDeps(react));
    expect(first.failed).toBeGreaterThanOrEqual(1);
    expect(await stored(p)).toMatchObject({ status: 'unknown' });
    expect(await entriesFor(p)).toHaveLength(1);

    failing = false;
    clock += 60_000;
    await settleStuckSends(sweepDeps(react));
    expect(handed.map((e) => e.type)).toEqual(['conversation.started', 'message.sent']);
    // The events of the settle, not of this later run: built from the record.
    expect(handed[1]).toMatchObject({ status: 'unknown', at: new Date(clock - 60_000).toISOString() });
    expect(await entriesFor(p)).toEqual([]);
    await countLeftQueued(p);
  });

  it('drops, without events, entries of sends with an outcome and entries that point at nothing', async () => {
    const customer = newCustomer();
    const p = pointerOf(customer);
    await sendMessage(firstText(customer), service(accepts().client));
    expect(await entriesFor(p)).toEqual([]);
    const sent = await stored(p);
    // As if the removal after the outcome had failed, and as if a commit had conflicted after its entry.
    await inFlight.add({ pointer: p, queuedAt: sent!.createdAt });
    const nothing = { threadId: threadOf(newCustomer()), conversation: 1, m: 1 };
    await inFlight.add({ pointer: nothing, queuedAt: now().toISOString() });

    clock += STUCK_SEND_AFTER_MS + 1;
    const sweep = capturing();
    await settleStuckSends(sweepDeps(sweep.react));
    expect(sweep.handed.flat().filter((e) => e.threadId === p.threadId || e.threadId === nothing.threadId)).toEqual([]);
    expect(await stored(p)).toEqual(sent);
    expect(await entriesFor(p)).toEqual([]);
    expect(await entriesFor(nothing)).toEqual([]);
  });

  it('a send that records its outcome leaves no entry behind, whatever the outcome', async () => {
    const customer = newCustomer();
    const refusing = telesign(async () => {
      throw new Error('connection reset');
    });
    await sendMessage(firstText(customer), service(accepts().client));
    await sendMessage(command({ conversationId: `${threadOf(customer)}.1`, text: 'two' }), service(refusing.client));
    seen['fault: Telesign dropped connection'] += refusing.sent.length;
    await countLeftQueued(pointerOf(customer, 2));
    expect(await stored(pointerOf(customer, 2))).toMatchObject({ status: 'unknown' });
    expect(await entriesFor(pointerOf(customer, 1))).toEqual([]);
    expect(await entriesFor(pointerOf(customer, 2))).toEqual([]);
  });
});

describe('App.settleStuckSends', () => {
  let app: App;
  const published: ChannelEvent[] = [];
  beforeAll(() => {
    app = buildApp(testConfig({ CHANNEL_EVENTS_TOPIC: 'channel-events' }), {
      tables: h.tables,
      publisher: { publish: async () => undefined, close: async () => undefined },
      channelEvents: { publish: async (events) => void published.push(...events), close: async () => undefined },
      queueProbe: async () => undefined,
    });
  });
  afterAll(() => app.close());

  it('settles, on the real clock, a send a crash left queued, and publishes its message.sent', async () => {
    const customer = newCustomer();
    const p = pointerOf(customer);
    // The crashed process ran a quarter of an hour ago.
    clock = Date.now() - 15 * 60_000;
    await crashMidSend(firstText(customer), p);
    await app.settleStuckSends(auditedLogger);
    await countLeftQueued(p);
    expect(await stored(p)).toMatchObject({ status: 'unknown', failureReason: STUCK_SEND_REASON });
    const mine = published.filter((e) => e.threadId === p.threadId);
    expect(mine.map((e) => [e.type, 'status' in e ? e.status : undefined])).toEqual([
      ['conversation.started', undefined],
      ['message.sent', 'unknown'],
    ]);
    expect(await entriesFor(p)).toEqual([]);
  });
});
