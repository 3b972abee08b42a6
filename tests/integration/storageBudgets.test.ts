import type { DeliveryReported } from '../../shared/domain/inboundEvent';
import { messageIdOf } from '../../shared/domain/thread';
import { threadIdOf } from '../../shared/domain/threadId';
import type { ListQuery } from '../../shared/services/conversationRequests';
import { type ConversationDeps, listConversations } from '../../shared/services/conversations';
import { routeEvent } from '../../shared/services/route';
import { type SendDeps, sendMessage } from '../../shared/services/send';
import { parseSendRequest } from '../../shared/services/sendRequest';
import { createSendsInFlight } from '../../shared/storage/sendsInFlight';
import { parseCallback } from '../../shared/telesign/callbackParser';
import { acceptingTelesign } from '../support/acceptingTelesign';
import { auditedLogger } from '../support/capturingLogger';
import {
  inboundEvent,
  reportEvent,
  type RouteHarness,
  seedOutbound,
  startRouteHarness,
  testConfig,
  uniqueRef,
} from '../support/routeHarness';
import { account1, deliveryReportBody } from '../support/telesignFixtures';

/**
 * The storage-request budgets of the hot paths (issue 13, docs/architecture.md §Storage), counted on real round
 * trips to Azurite: how many requests each costs, and that none of them is a query (Table Storage runs a
 * `RowKey eq … or RowKey eq …` filter as a partition scan, so a query's cost grows with the thread's history).
 */

let h: RouteHarness;
beforeAll(async () => {
  h = await startRouteHarness();
});
afterAll(() => h.stop());

let customerSeq = 300;
const newCustomer = () => `1555557${String(++customerSeq).padStart(4, '0')}`;
const threadOf = (customer: string) => threadIdOf(account1.customerId, account1.defaultSupportNumber, customer);

/** What `run` cost: requests, and how many of them were queries. */
async function costOf(run: () => Promise<unknown>): Promise<{ requests: number; queries: number }> {
  h.counter.reset();
  await run();
  return { requests: h.counter.count(), queries: h.counter.queries() };
}

/** A report as Telesign would send it if it echoes the send's `external_id`. */
function echoingReport(referenceId: string, externalId: string): DeliveryReported {
  const body = { ...JSON.parse(deliveryReportBody({ referenceId, code: 200 })), external_id: externalId };
  const raw = JSON.stringify(body);
  const { event } = parseCallback(raw, body, {
    account: testConfig().accounts[0],
    receivedAt: new Date().toISOString(),
  });
  if (event.type !== 'delivery.reported') throw new Error('fixture did not parse as a report');
  return event;
}

describe('routing', () => {
  it('a message joining an open conversation: a point read and a batch', async () => {
    const customer = newCustomer();
    await routeEvent(inboundEvent({ from: customer, text: 'first' }), h.deps);
    expect(await costOf(() => routeEvent(inboundEvent({ from: customer, text: 'second' }), h.deps))).toEqual({
      requests: 2,
      queries: 0,
    });
  });

  it('a message starting a conversation: a point read, a batch and its index entry', async () => {
    const deps = { ...h.deps, index: h.stores.index };
    const cost = await costOf(() => routeEvent(inboundEvent({ from: newCustomer(), text: 'hello' }), deps));
    expect(cost.queries).toBe(0);
    expect(cost.requests).toBeLessThanOrEqual(3);
  });

  it('a redelivered message is still recognised, without a query', async () => {
    const event = inboundEvent({ from: newCustomer(), text: 'once' });
    await routeEvent(event, h.deps);
    let result: unknown;
    const cost = await costOf(async () => (result = (await routeEvent(event, h.deps)).result));
    expect(result).toMatchObject({ kind: 'duplicate', eventId: event.eventId });
    expect(cost.queries).toBe(0);
  });

  it('a delivery report: the reference, the message and a batch', async () => {
    const ref = uniqueRef();
    await seedOutbound(h, newCustomer(), ref);
    let result: unknown;
    const cost = await costOf(
      async () => (result = (await routeEvent(reportEvent(ref, 200, '2026-01-01T10:00:00Z'), h.deps)).result),
    );
    expect(result).toMatchObject({ kind: 'report', status: 'delivered', changed: true });
    expect(cost).toEqual({ requests: 3, queries: 0 });
  });

  it('a delivery report echoing our external_id: the message and a batch', async () => {
    const ref = uniqueRef();
    const { pointer } = await seedOutbound(h, newCustomer(), ref);
    let result: unknown;
    const report = echoingReport(ref, messageIdOf(pointer));
    expect(report.externalId).toBe(messageIdOf(pointer));
    const cost = await costOf(async () => (result = (await routeEvent(report, h.deps)).result));
    expect(result).toMatchObject({ kind: 'report', status: 'delivered', changed: true });
    expect(cost).toEqual({ requests: 2, queries: 0 });
    // Again: a duplicate, found by the batch, still without a query.
    const again = await costOf(async () => (result = (await routeEvent(report, h.deps)).result));
    expect(result).toMatchObject({ kind: 'duplicate', eventId: report.eventId });
    expect(again.queries).toBe(0);
  });

  it("an external_id that is not this reference's message falls back to the reference", async () => {
    const ref = uniqueRef();
    await seedOutbound(h, newCustomer(), ref);
    const other = await seedOutbound(h, newCustomer(), uniqueRef());
    const { result } = await routeEvent(echoingReport(ref, messageIdOf(other.pointer)), h.deps);
    expect(result).toMatchObject({ kind: 'report', status: 'delivered' });
    const otherMessage = await h.deps.threads.readMessage(other.threadId, other.pointer.conversation, other.pointer.m);
    expect(otherMessage.message?.status).toBe('sent');
  });
});

describe('sending', () => {
  const accepting = acceptingTelesign(uniqueRef);
  const sendDeps = (extra: Partial<SendDeps> = {}): SendDeps => ({
    ...h.deps,
    index: h.stores.index,
    secrets: { get: async () => 'key', invalidate() {} },
    telesignFor: () => accepting,
    ...extra,
  });
  const reply = (threadId: string, text: string, idempotencyKey?: string) => {
    const parsed = parseSendRequest({ conversationId: `${threadId}.1`, text }, idempotencyKey);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.value;
  };

  it('a reply: thread and consent, the queued batch, the pointer, the sent update; no query', async () => {
    const customer = newCustomer();
    await routeEvent(inboundEvent({ from: customer, text: 'hello' }), h.deps);
    let status: unknown;
    const cost = await costOf(async () => {
      const { result } = await sendMessage(reply(threadOf(customer), 'on it'), sendDeps());
      status = result.ok && result.value.status;
    });
    expect(status).toBe('sent');
    expect(cost).toEqual({ requests: 5, queries: 0 });
  });

  it('a reply as shared/app.ts wires it (the in-flight entry, no key): the entry in and out more, no query', async () => {
    const customer = newCustomer();
    await routeEvent(inboundEvent({ from: customer, text: 'hello' }), h.deps);
    const deps = sendDeps({ inFlight: createSendsInFlight(h.tables.sendsInFlight) });
    const cost = await costOf(() => sendMessage(reply(threadOf(customer), 'on it'), deps));
    // What `npm run bench` counts for its send (bench/phases/send.ts): the entry goes in beside the consent read.
    expect(cost).toEqual({ requests: 7, queries: 0 });
  });

  it('a reply with an idempotency key and the in-flight entry costs the key and the entry more, no query', async () => {
    const customer = newCustomer();
    await routeEvent(inboundEvent({ from: customer, text: 'hello' }), h.deps);
    const deps = sendDeps({ inFlight: createSendsInFlight(h.tables.sendsInFlight) });
    const cost = await costOf(() => sendMessage(reply(threadOf(customer), 'on it', 'budget-key-1'), deps));
    // + the key's marker (read beside the thread), + the entry in and out.
    expect(cost).toEqual({ requests: 8, queries: 0 });
  });

  it('a first message to a customer: thread and consent at once, no query', async () => {
    const customer = newCustomer();
    const parsed = parseSendRequest({ to: `+${customer}`, from: account1.defaultSupportNumber, text: 'hi' }, undefined);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const cost = await costOf(() => sendMessage(parsed.value, sendDeps()));
    // + the new conversation's index entry.
    expect(cost.queries).toBe(0);
    expect(cost.requests).toBeLessThanOrEqual(6);
  });
});

describe('listing', () => {
  const listingDeps = (): ConversationDeps => ({
    ...h.stores,
    now: () => new Date(),
    logger: auditedLogger,
    indexKeptCurrent: true,
  });
  async function listed(query: ListQuery) {
    let items = 0;
    const cost = await costOf(async () => {
      const page = await listConversations(query, listingDeps());
      if (!page.ok) throw page.error;
      items = page.value.items.length;
    });
    return { ...cost, items };
  }

  it('a page with the index kept current: one query per state read, whatever the page size, and nothing else', async () => {
    const deps = { ...h.deps, index: h.stores.index };
    for (let i = 0; i < 30; i++) await routeEvent(inboundEvent({ from: newCustomer(), text: 'hello' }), deps);
    expect(await listed({ limit: 25 })).toEqual({ requests: 4, queries: 4, items: 25 });
    expect(await listed({ limit: 100 })).toEqual({ requests: 4, queries: 4, items: expect.any(Number) });
    expect(await listed({ state: 'open', limit: 25 })).toEqual({ requests: 1, queries: 1, items: 25 });
    expect(await listed({ state: 'open', limit: 100 })).toEqual({ requests: 1, queries: 1, items: expect.any(Number) });
  });
});
