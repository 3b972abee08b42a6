import { channelEventIds } from '../../shared/domain/channelEventIds';
import { type ChannelEvent, channelEventSchema } from '../../shared/domain/channelEvents';
import { applyInboundMessage } from '../../shared/domain/inboundMessage';
import { threadIdOf } from '../../shared/domain/threadId';
import { createMemoryStores, type MemoryStores } from '../../shared/memory/memoryStores';
import { autoCloseIdle } from '../../shared/services/autoClose';
import { changeConversation, type ConversationDeps } from '../../shared/services/conversations';
import { type RouteDeps, routeEvent } from '../../shared/services/route';
import { type SendDeps, sendMessage } from '../../shared/services/send';
import { parseSendRequest, type SendCommand } from '../../shared/services/sendRequest';
import type { TelesignClient } from '../../shared/telesign/client';
import { TelesignError } from '../../shared/telesign/telesignError';
import { auditedLogger } from '../support/capturingLogger';
import { inboundEvent, reportEvent, testConfig, testRules, uniqueRef } from '../support/routeHarness';
import { account1 } from '../support/telesignFixtures';

/** The services on the in-memory ports: which channel events each change returns, and that a replay returns them again. */

const SUPPORT = '14252306549';
let customerSeq = 700;
const newCustomer = () => `1555555${String(++customerSeq).padStart(4, '0')}`;
const threadOf = (customer: string) => threadIdOf(account1.customerId, SUPPORT, customer);
const types = (events: ChannelEvent[]) => events.map((e) => e.type);

let stores: MemoryStores;
let clock: number;
const now = () => new Date(clock);
beforeEach(() => {
  stores = createMemoryStores();
  clock = Date.parse('2026-03-01T10:00:00.000Z');
});

const routeDeps = (): RouteDeps => ({
  ...stores,
  rules: testRules,
  accounts: testConfig().accounts,
  now,
  logger: auditedLogger,
});
const conversationDeps = (): ConversationDeps => ({ ...stores, now, logger: auditedLogger });

function telesign(answer: () => Promise<{ referenceId: string }>): TelesignClient {
  return {
    async sendSms() {
      const { referenceId } = await answer();
      return { referenceId, status: { code: 290, description: 'Message in progress' }, raw: {} };
    },
    getStatus: () => Promise.reject(new Error('not used')),
    checkCredentials: () => Promise.reject(new Error('not used')),
  };
}

const sendDeps = (client: TelesignClient): SendDeps => ({
  ...routeDeps(),
  secrets: { get: async () => 'key', invalidate() {} },
  telesignFor: () => client,
  inFlightWaitMs: 0,
});

function command(body: unknown, key?: string): SendCommand {
  const parsed = parseSendRequest(body, key);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

function expectValid(events: ChannelEvent[]) {
  for (const event of events) expect(channelEventSchema.parse(event)).toEqual(event);
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
}

describe('routing an inbound message', () => {
  it('returns conversation.started and message.received, and the same again when the event is redelivered', async () => {
    const customer = newCustomer();
    const event = inboundEvent({ from: customer, text: 'Where is my refund?' });
    const first = await routeEvent(event, routeDeps());
    expect(types(first.events)).toEqual(['conversation.started', 'message.received']);
    expectValid(first.events);
    const conversationId = `${threadOf(customer)}.1`;
    expect(first.events[0]).toMatchObject({ conversationId, cause: 'inbound', queue: 'billing', state: 'open' });
    expect(first.events[1]).toMatchObject({
      id: channelEventIds.messageReceived(event.eventId),
      conversationId,
      threadId: threadOf(customer),
      messageId: `${conversationId}.1`,
      text: 'Where is my refund?',
      inboundEventId: event.eventId,
      from: { digits: customer, e164: `+${customer}` },
      startedConversation: true,
    });

    clock += 60_000;
    const again = await routeEvent(event, routeDeps());
    expect(again.result).toMatchObject({ kind: 'duplicate' });
    expect(again.events).toEqual(first.events);
  });

  it('returns only message.received when the message joins an open conversation', async () => {
    const customer = newCustomer();
    await routeEvent(inboundEvent({ from: customer, text: 'hello' }), routeDeps());
    const { events } = await routeEvent(inboundEvent({ from: customer, text: 'hello?' }), routeDeps());
    expect(types(events)).toEqual(['message.received']);
    expect(events[0]).toMatchObject({ startedConversation: false, consent: { kind: 'none' } });
  });

  it('returns the move out of waiting, again on a redelivery even after the conversation moved on', async () => {
    const customer = newCustomer();
    const { result } = await routeEvent(inboundEvent({ from: customer, text: 'hello' }), routeDeps());
    if (result.kind !== 'message') throw new Error('not routed');
    await changeConversation(result.conversationId, { kind: 'assign', agentId: 'agent-1' }, conversationDeps());
    await changeConversation(result.conversationId, { kind: 'wait' }, conversationDeps());

    const back = inboundEvent({ from: customer, text: 'any news?' });
    const first = await routeEvent(back, routeDeps());
    expect(types(first.events)).toEqual(['message.received', 'conversation.state_changed']);
    expect(first.events[1]).toMatchObject({ cause: 'inbound', from: 'waiting', to: 'active' });
    expectValid(first.events);

    await changeConversation(result.conversationId, { kind: 'close', reason: 'resolved' }, conversationDeps());
    expect((await routeEvent(back, routeDeps())).events).toEqual(first.events);
  });

  it('returns consent.changed for STOP, again on a redelivery, but not for a STOP that a newer START overrode', async () => {
    const customer = newCustomer();
    const stop = inboundEvent({ from: customer, text: 'STOP', submittedAt: '2026-01-01T10:00:00Z' });
    const first = await routeEvent(stop, routeDeps());
    expect(types(first.events)).toEqual(['conversation.started', 'message.received', 'consent.changed']);
    expect(first.events[2]).toMatchObject({
      id: channelEventIds.consentChanged(stop.eventId),
      state: 'opted_out',
      keyword: 'STOP',
      inboundEventId: stop.eventId,
      customer: { digits: customer },
    });
    expect((await routeEvent(stop, routeDeps())).events).toEqual(first.events);

    const late = inboundEvent({ from: customer, text: 'STOP', submittedAt: '2026-01-01T09:00:00Z' });
    const start = inboundEvent({ from: customer, text: 'START', submittedAt: '2026-01-01T11:00:00Z' });
    expect(types((await routeEvent(start, routeDeps())).events)).toEqual(['message.received', 'consent.changed']);
    expect(types((await routeEvent(late, routeDeps())).events)).toEqual(['message.received']);
  });

  it('returns consent.changed when a crash left the consent written but the thread not', async () => {
    const customer = newCustomer();
    const stop = inboundEvent({ from: customer, text: 'STOP' });
    await stores.consent.apply(account1.customerId, customer, {
      state: 'opted_out',
      eventId: stop.eventId,
      keyword: 'STOP',
      at: stop.receivedAt,
    });
    const { events } = await routeEvent(stop, routeDeps());
    expect(types(events)).toEqual(['conversation.started', 'message.received', 'consent.changed']);
  });

  it('finds the message again for a marker written before markers kept its number', async () => {
    const customer = newCustomer();
    const event = inboundEvent({ from: customer, text: 'hello' });
    const plan = applyInboundMessage(undefined, event, { rules: testRules, now: now().toISOString() });
    await stores.threads.commit(event.threadId, undefined, {
      thread: plan.thread,
      conversations: [plan.conversation],
      newMessages: [plan.message],
      markers: [{ key: { event: event.eventId }, properties: { type: event.type, conversation: 1, started: true } }],
    });
    const { result, events } = await routeEvent(event, routeDeps());
    expect(result).toMatchObject({ kind: 'duplicate', applied: { startedConversation: true } });
    expect(types(events)).toEqual(['conversation.started', 'message.received']);
  });

  it('returns nothing for a callback it could not read', async () => {
    const event = {
      schemaVersion: 1 as const,
      type: 'callback.unrecognized' as const,
      eventId: 'cb-events-1',
      account: account1.customerId,
      receivedAt: '2026-03-01T10:00:00.000Z',
      reason: 'unknown shape',
      rawBody: '{}',
    };
    expect((await routeEvent(event, routeDeps())).events).toEqual([]);
  });
});

describe('sending', () => {
  it('returns conversation.started and message.sent for a first message, and the same on a retry with the key', async () => {
    const customer = newCustomer();
    const ref = uniqueRef();
    const deps = sendDeps(telesign(async () => ({ referenceId: ref })));
    const first = await sendMessage(command({ to: `+${customer}`, text: 'Your parcel is on its way' }, 'k-1'), deps);
    expect(first.result.ok).toBe(true);
    expect(types(first.events)).toEqual(['conversation.started', 'message.sent']);
    expectValid(first.events);
    const conversationId = `${threadOf(customer)}.1`;
    expect(first.events[0]).toMatchObject({ conversationId, cause: 'outbound' });
    expect(first.events[1]).toMatchObject({
      id: channelEventIds.messageSent(`${conversationId}.1`),
      status: 'sent',
      referenceId: ref,
      code: 290,
      idempotencyKey: 'k-1',
      from: { digits: SUPPORT },
      to: { digits: customer, e164: `+${customer}` },
    });

    clock += 60_000;
    const again = await sendMessage(command({ to: `+${customer}`, text: 'Your parcel is on its way' }, 'k-1'), deps);
    expect(again.result).toEqual(first.result);
    expect(again.events).toEqual(first.events);
  });

  it('returns message.sent alone for a reply, and a report that overtook the send as a status change', async () => {
    const customer = newCustomer();
    const { result } = await routeEvent(inboundEvent({ from: customer, text: 'hello' }), routeDeps());
    if (result.kind !== 'message') throw new Error('not routed');
    const ref = uniqueRef();
    const report = reportEvent(ref, 200, '2026-03-01T10:00:05Z', 'Delivered');
    const deps = sendDeps(
      telesign(async () => {
        // Telesign's report arrives while the send is still recording the reference.
        expect((await routeEvent(report, routeDeps())).result).toEqual({ kind: 'report_pending', referenceId: ref });
        return { referenceId: ref };
      }),
    );
    const sent = await sendMessage(command({ conversationId: result.conversationId, text: 'On it' }), deps);
    expect(types(sent.events)).toEqual(['message.sent', 'message.status_changed']);
    expect(sent.events[1]).toMatchObject({
      id: channelEventIds.messageStatusChanged(`${result.conversationId}.2`, 'delivered'),
      from: 'sent',
      to: 'delivered',
      code: 200,
      reportEventId: report.eventId,
    });
    expectValid(sent.events);

    // The report redelivered: already applied, it says again what it changed.
    const replayed = await routeEvent(report, routeDeps());
    expect(replayed.result).toEqual({ kind: 'duplicate', eventId: report.eventId });
    expect(replayed.events).toEqual([sent.events[1]]);
  });

  it('returns message.sent with the failure when Telesign refused it, and nothing when it was never recorded', async () => {
    const customer = newCustomer();
    const refusing = sendDeps(
      telesign(() =>
        Promise.reject(new TelesignError('rejected', 'refused', { httpStatus: 400, telesignCode: 11000 })),
      ),
    );
    const failed = await sendMessage(command({ to: `+${customer}`, text: 'hello' }, 'k-2'), refusing);
    expect(failed.result.ok).toBe(false);
    expect(types(failed.events)).toEqual(['conversation.started', 'message.sent']);
    expect(failed.events[1]).toMatchObject({ status: 'failed', failure: { code: 'telesign_rejected' } });
    expect((await sendMessage(command({ to: `+${customer}`, text: 'hello' }, 'k-2'), refusing)).events).toEqual(
      failed.events,
    );

    const closed = await sendMessage(command({ conversationId: `${threadOf(customer)}.9`, text: 'x' }), refusing);
    expect(closed).toMatchObject({ result: { ok: false }, events: [] });
  });
});

describe('delivery reports', () => {
  it('return a status change only when the status moved', async () => {
    const customer = newCustomer();
    const ref = uniqueRef();
    await sendMessage(
      command({ to: `+${customer}`, text: 'hello' }),
      sendDeps(telesign(async () => ({ referenceId: ref }))),
    );
    const delivered = await routeEvent(reportEvent(ref, 200, '2026-03-01T10:00:02Z'), routeDeps());
    expect(types(delivered.events)).toEqual(['message.status_changed']);
    expect(delivered.events[0]).toMatchObject({
      from: 'sent',
      to: 'delivered',
      messageId: `${threadOf(customer)}.1.1`,
    });
    const late = await routeEvent(reportEvent(ref, 203, '2026-03-01T10:00:01Z'), routeDeps());
    expect(late).toMatchObject({ result: { kind: 'report', changed: false }, events: [] });
  });
});

describe('conversation changes', () => {
  it('return conversation.state_changed with the action, the agents and the close reason', async () => {
    const customer = newCustomer();
    const { result } = await routeEvent(inboundEvent({ from: customer, text: 'hello' }), routeDeps());
    if (result.kind !== 'message') throw new Error('not routed');
    const id = result.conversationId;
    const assigned = await changeConversation(id, { kind: 'assign', agentId: 'agent-1' }, conversationDeps());
    expect(assigned.events).toEqual([
      expect.objectContaining({ type: 'conversation.state_changed', cause: 'assign', from: 'open', to: 'active' }),
    ]);
    clock += 1000;
    const closed = await changeConversation(id, { kind: 'close', reason: 'resolved' }, conversationDeps());
    expect(closed.events[0]).toMatchObject({
      cause: 'close',
      from: 'active',
      to: 'closed',
      agentId: 'agent-1',
      closeReason: 'resolved',
    });
    expectValid([...assigned.events, ...closed.events]);
    expect((await changeConversation(id, { kind: 'wait' }, conversationDeps())).events).toEqual([]);
  });

  it('return one close per conversation the auto-close timer closed', async () => {
    const customer = newCustomer();
    await routeEvent(inboundEvent({ from: customer, text: 'hello' }), routeDeps());
    clock += 10 * 24 * 60 * 60 * 1000;
    const { result, events } = await autoCloseIdle({
      ...conversationDeps(),
      idleLimits: { open: 24 * 60 * 60 * 1000, active: undefined, waiting: undefined },
    });
    expect(result).toEqual({ closed: 1, repaired: 0 });
    expect(events).toEqual([
      expect.objectContaining({ cause: 'close', from: 'open', to: 'closed', closeReason: 'auto_close_idle' }),
    ]);
  });
});
