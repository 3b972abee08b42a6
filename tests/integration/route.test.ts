import { transition } from '../../shared/domain/conversationState';
import { InvalidEventError, parseQueueBody } from '../../shared/domain/queueBody';
import { conversationIdOf } from '../../shared/domain/thread';
import { threadIdOf } from '../../shared/domain/threadId';
import { applyPendingReports } from '../../shared/services/deliveryReports';
import { routeEvent } from '../../shared/services/route';
import {
  inboundEvent,
  reportEvent,
  type RouteHarness,
  seedOutbound,
  startRouteHarness,
  uniqueRef,
} from '../support/routeHarness';
import { account1 } from '../support/telesignFixtures';

let h: RouteHarness;
beforeAll(async () => {
  h = await startRouteHarness();
});
afterAll(async () => {
  await h.stop();
});

const SUPPORT = '14252306549';
let customerSeq = 100;
const newCustomer = () => `1555555${String(++customerSeq).padStart(4, '0')}`;
const threadOf = (customer: string, support = SUPPORT) => threadIdOf(account1.customerId, support, customer);

async function closeCurrent(threadId: string) {
  const state = await h.deps.threads.read(threadId);
  const conversation = state.thread!.conversation!;
  const moved = transition(conversation, { kind: 'close', reason: 'resolved' });
  if (!moved.ok) throw new Error(moved.message);
  const closed = { ...conversation, state: moved.state, closedAt: new Date().toISOString() };
  await h.deps.threads.commit(threadId, state.version, {
    thread: { ...state.thread!, conversation: closed },
    conversations: [closed],
  });
}

describe('inbound messages', () => {
  it('start a conversation, join it, and start a linked one after it is closed', async () => {
    const customer = newCustomer();
    const threadId = threadOf(customer);

    const { result: first } = await routeEvent(inboundEvent({ from: customer, text: 'Where is my refund?' }), h.deps);
    expect(first).toMatchObject({
      kind: 'message',
      conversationId: conversationIdOf(threadId, 1),
      startedConversation: true,
      messageNumber: 1,
    });
    const head = await h.deps.threads.read(threadId);
    expect(head.thread).toMatchObject({
      supportNumber: SUPPORT,
      customerNumber: customer,
      account: account1.customerId,
      nextMessage: 2,
    });
    expect(await h.deps.threads.getConversation(threadId, 1)).toMatchObject({
      n: 1,
      state: 'open',
      queue: 'billing',
      priority: 2,
      rule: 'billing',
      inboundCount: 1,
    });

    const { result: second } = await routeEvent(inboundEvent({ from: customer, text: 'Hello?' }), h.deps);
    expect(second).toMatchObject({
      kind: 'message',
      conversationId: conversationIdOf(threadId, 1),
      startedConversation: false,
      messageNumber: 2,
    });
    const messages = await h.messages(threadId, 1);
    expect(messages.map((m) => [m.m, m.direction, m.text, m.segments, m.encoding])).toEqual([
      [1, 'inbound', 'Where is my refund?', 1, 'GSM-7'],
      [2, 'inbound', 'Hello?', 1, 'GSM-7'],
    ]);

    await closeCurrent(threadId);
    const { result: third } = await routeEvent(inboundEvent({ from: customer, text: 'One more thing' }), h.deps);
    expect(third).toMatchObject({
      kind: 'message',
      conversationId: conversationIdOf(threadId, 2),
      startedConversation: true,
      messageNumber: 1,
    });
    expect(await h.deps.threads.getConversation(threadId, 2)).toMatchObject({
      n: 2,
      state: 'open',
      previous: 1,
      queue: 'general',
    });
    expect(await h.deps.threads.getConversation(threadId, 1)).toMatchObject({ state: 'closed' });
  });

  it('classify by support number for a new conversation', async () => {
    const customer = newCustomer();
    const { result } = await routeEvent(inboundEvent({ from: customer, to: '18005550199', text: 'hi' }), h.deps);
    expect(result.kind).toBe('message');
    expect(await h.deps.threads.getConversation(threadOf(customer, '18005550199'), 1)).toMatchObject({
      queue: 'priority',
      priority: 5,
    });
  });

  it('store an event applied twice once', async () => {
    const customer = newCustomer();
    const event = inboundEvent({ from: customer, text: 'only once' });
    expect((await routeEvent(event, h.deps)).result.kind).toBe('message');
    expect((await routeEvent(event, h.deps)).result).toMatchObject({ kind: 'duplicate', eventId: event.eventId });
    expect(await h.messages(threadOf(customer), 1)).toHaveLength(1);
  });

  it('lose no update when 50 events of one thread arrive at once', async () => {
    const customer = newCustomer();
    const events = Array.from({ length: 50 }, (_, i) => inboundEvent({ from: customer, text: `message ${i}` }));
    const results = (await Promise.all(events.map((e) => routeEvent(e, h.deps)))).map((r) => r.result);
    expect(results.every((r) => r.kind === 'message')).toBe(true);
    const threadId = threadOf(customer);
    const messages = await h.messages(threadId, 1);
    expect(messages.map((m) => m.m)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(messages.map((m) => m.text)).size).toBe(50);
    expect(await h.deps.threads.getConversation(threadId, 1)).toMatchObject({ inboundCount: 50 });
    expect((await h.deps.threads.read(threadId)).thread).toMatchObject({ nextMessage: 51, conversation: { n: 1 } });
    expect(await h.deps.threads.getConversation(threadId, 2)).toBeUndefined();
  });

  it('cost one read and one batch write when joining an open conversation', async () => {
    const customer = newCustomer();
    await routeEvent(inboundEvent({ from: customer, text: 'first' }), h.deps);
    h.counter.reset();
    await routeEvent(inboundEvent({ from: customer, text: 'second' }), h.deps);
    expect(h.counter.count()).toBeGreaterThan(0);
    expect(h.counter.count()).toBeLessThanOrEqual(2);
  });
});

describe('consent keywords', () => {
  it.each(['STOP', 'Stop.', 'opt out'])('%p opts the customer out, with the event that did it', async (text) => {
    const customer = newCustomer();
    const event = inboundEvent({ from: customer, text });
    const { result } = await routeEvent(event, h.deps);
    expect(result).toMatchObject({ kind: 'message', consent: { kind: 'opt_out' } });
    expect(await h.deps.consent.get(account1.customerId, customer)).toMatchObject({
      state: 'opted_out',
      eventId: event.eventId,
    });
  });

  it('START opts back in; a late STOP does not override a newer START', async () => {
    const customer = newCustomer();
    const stop = inboundEvent({ from: customer, text: 'STOP', submittedAt: '2026-01-01T10:00:00Z' });
    const start = inboundEvent({ from: customer, text: 'start', submittedAt: '2026-01-01T11:00:00Z' });
    await routeEvent(stop, h.deps);
    await routeEvent(start, h.deps);
    expect(await h.deps.consent.get(account1.customerId, customer)).toMatchObject({
      state: 'opted_in',
      eventId: start.eventId,
    });
    await routeEvent({ ...stop, eventId: stop.eventId + '-late', referenceId: uniqueRef() }, h.deps);
    expect(await h.deps.consent.get(account1.customerId, customer)).toMatchObject({ state: 'opted_in' });
  });

  it('HELP is flagged on the message; "stop texting me" is a possible opt-out only', async () => {
    const customer = newCustomer();
    await routeEvent(inboundEvent({ from: customer, text: 'HELP' }), h.deps);
    await routeEvent(inboundEvent({ from: customer, text: 'stop texting me' }), h.deps);
    const threadId = threadOf(customer);
    const [help, free] = await h.messages(threadId, 1);
    expect(help).toMatchObject({ consentSignal: 'help', consentKeyword: 'HELP' });
    expect(free).toMatchObject({ consentSignal: 'possible_opt_out' });
    expect(await h.deps.consent.get(account1.customerId, customer)).toBeUndefined();
    expect(await h.deps.threads.getConversation(threadId, 1)).toMatchObject({ possibleOptOut: true });
  });
});

describe('delivery reports', () => {
  const statusOf = async (pointer: { threadId: string; conversation: number; m: number }) =>
    (await h.deps.threads.readMessage(pointer.threadId, pointer.conversation, pointer.m)).message!;

  it('203 then 200 ends delivered with both in the timeline', async () => {
    const ref = uniqueRef();
    const { pointer } = await seedOutbound(h, newCustomer(), ref, false);
    await h.deps.references.put(ref, pointer);
    await routeEvent(reportEvent(ref, 203, '2026-01-01T10:00:01Z'), h.deps);
    const { result } = await routeEvent(reportEvent(ref, 200, '2026-01-01T10:00:02Z'), h.deps);
    expect(result).toMatchObject({ kind: 'report', status: 'delivered', changed: true });
    const message = await statusOf(pointer);
    expect(message.status).toBe('delivered');
    expect(message.timeline!.map((t) => t.code)).toEqual([290, 203, 200]);
  });

  it('200 then a late 203 stays delivered', async () => {
    const ref = uniqueRef();
    const { pointer } = await seedOutbound(h, newCustomer(), ref, false);
    await h.deps.references.put(ref, pointer);
    await routeEvent(reportEvent(ref, 200, '2026-01-01T10:00:02Z'), h.deps);
    const { result: late } = await routeEvent(reportEvent(ref, 203, '2026-01-01T10:00:01Z'), h.deps);
    expect(late).toMatchObject({ kind: 'report', status: 'delivered', changed: false });
    expect((await statusOf(pointer)).status).toBe('delivered');
  });

  it('an unknown code is stored raw and classed unknown', async () => {
    const ref = uniqueRef();
    const { pointer } = await seedOutbound(h, newCustomer(), ref, false);
    await h.deps.references.put(ref, pointer);
    await routeEvent(reportEvent(ref, 4711, '2026-01-01T10:00:02Z', 'Something new'), h.deps);
    const message = await statusOf(pointer);
    expect(message.status).toBe('unknown');
    expect(message.timeline!.at(-1)).toMatchObject({ status: 'unknown', code: 4711, description: 'Something new' });
  });

  it('a report applied twice changes the timeline once', async () => {
    const ref = uniqueRef();
    const { pointer } = await seedOutbound(h, newCustomer(), ref, false);
    await h.deps.references.put(ref, pointer);
    const report = reportEvent(ref, 203, '2026-01-01T10:00:01Z');
    await routeEvent(report, h.deps);
    expect((await routeEvent(report, h.deps)).result).toEqual({ kind: 'duplicate', eventId: report.eventId });
    expect((await statusOf(pointer)).timeline).toHaveLength(2);
  });

  it('a report that arrives before its reference is recorded is applied once the reference appears', async () => {
    const ref = uniqueRef();
    const { pointer } = await seedOutbound(h, newCustomer(), ref, false);
    const { result: early } = await routeEvent(reportEvent(ref, 200, '2026-01-01T10:00:02Z'), h.deps);
    expect(early).toEqual({ kind: 'report_pending', referenceId: ref });
    expect((await statusOf(pointer)).status).toBe('sent');

    await h.deps.references.put(ref, pointer);
    expect((await applyPendingReports(ref, pointer, h.deps)).result).toBe(1);
    expect((await statusOf(pointer)).status).toBe('delivered');
    expect(await h.deps.references.listPending(ref)).toEqual([]);
  });
});

describe('other events', () => {
  it('an unrecognized callback is stored with its raw body for an operator', async () => {
    const rawBody = '{"something":"new"}';
    const event = {
      schemaVersion: 1 as const,
      type: 'callback.unrecognized' as const,
      eventId: 'cb-test-1',
      account: account1.customerId,
      receivedAt: '2026-11-27T10:00:00.000Z',
      reason: 'unknown shape',
      rawBody,
    };
    expect((await routeEvent(event, h.deps)).result).toEqual({ kind: 'unrecognized_stored', eventId: 'cb-test-1' });
    const row = await h.tables.unrecognized.getEntity<Record<string, unknown>>('2026-11-27', 'cb-test-1');
    expect(row).toMatchObject({ rawBody0: rawBody, reason: 'unknown shape', account: account1.customerId });
  });

  it.each([
    ['not JSON', 'hello'],
    ['JSON of another shape', '{"type":"message.received"}'],
    [
      'an unknown schema version',
      JSON.stringify({
        schemaVersion: 2,
        type: 'callback.unrecognized',
        eventId: 'x',
        account: 'a',
        receivedAt: 'now',
        reason: 'r',
        rawBody: '',
      }),
    ],
  ])('a queue body that is %s throws a clear error', (_name, body) => {
    expect(() => parseQueueBody(body)).toThrow(InvalidEventError);
    expect(() => parseQueueBody(Buffer.from(body))).toThrow(/InboundEvent/);
  });

  it('a queue body is accepted parsed, as a string or as bytes', () => {
    const event = inboundEvent({ from: newCustomer(), text: 'hi' });
    expect(parseQueueBody(event)).toEqual(event);
    expect(parseQueueBody(JSON.stringify(event))).toEqual(event);
    expect(parseQueueBody(Buffer.from(JSON.stringify(event)))).toEqual(event);
  });
});
