import type { InboundEvent } from '../../shared/domain/inboundEvent';
import { parseQueueBody } from '../../shared/domain/queueBody';
import { threadIdOf } from '../../shared/domain/threadId';
import { isAppError, isDeadLetterError } from '../../shared/errors';
import { applyPendingReports } from '../../shared/services/deliveryReports';
import { routeEvent } from '../../shared/services/route';
import { encodeKey } from '../../shared/storage/keys';
import { createTableClients } from '../../shared/storage/tableClients';
import { createTableStores } from '../../shared/storage/tableStores';
import { parseCallback } from '../../shared/telesign/callbackParser';
import { inboundEvent, type RouteHarness, seedOutbound, startRouteHarness, testConfig } from '../support/routeHarness';
import { account1, deliveryReportBody, inboundSmsBody } from '../support/telesignFixtures';

/**
 * docs/architecture.md §Storage: an authentic callback answered 200 is kept, whatever it holds. Each one goes the
 * real way: the parser, the JSON the queue carries, the trigger's schema, the router, Table Storage (Azurite).
 */
let h: RouteHarness;
beforeAll(async () => {
  h = await startRouteHarness();
});
afterAll(async () => {
  await h.stop();
});

const account = testConfig().accounts[0];
const SUPPORT = '14252306549';
let customerSeq = 300;
const newCustomer = () => `1555555${String(++customerSeq).padStart(4, '0')}`;

/** What routeInbound is handed for a callback body: parsed, queued as JSON, read back by the schema. */
function queued(raw: string): InboundEvent {
  const { event } = parseCallback(raw, JSON.parse(raw), { account, receivedAt: new Date().toISOString() });
  return parseQueueBody(Buffer.from(JSON.stringify(event)));
}

const route = (raw: string) => routeEvent(queued(raw), h.deps);

const messageOf = async (p: { threadId: string; conversation: number; m: number }) =>
  (await h.deps.threads.readMessage(p.threadId, p.conversation, p.m)).message!;

async function storedUnrecognized(eventId: string) {
  const row = await h.tables.unrecognized.getEntity<Record<string, unknown>>(
    new Date().toISOString().slice(0, 10),
    encodeKey(eventId),
  );
  const parts = Array.from({ length: Number(row.rawBodyParts) }, (_, i) => String(row[`rawBody${i}`]));
  return { reason: String(row.reason), rawBody: parts.join(''), parts };
}

describe('a delivery report with a long reference_id', () => {
  it.each([[382], [400], [1000]])('of %i characters is applied to the message it reports on', async (length) => {
    const ref = 'A'.repeat(length - 6) + String(length).padStart(6, '0');
    const { pointer } = await seedOutbound(h, newCustomer(), ref);
    const { result } = await route(deliveryReportBody({ referenceId: ref, code: 200 }));
    expect(result).toMatchObject({ kind: 'report', status: 'delivered', changed: true });
    expect((await messageOf(pointer)).status).toBe('delivered');
  });

  it('that overtook its send is parked, and applied once the send records the reference', async () => {
    const ref = 'B'.repeat(500);
    const { pointer } = await seedOutbound(h, newCustomer(), ref, false);
    const { result } = await route(deliveryReportBody({ referenceId: ref, code: 200 }));
    expect(result).toMatchObject({ kind: 'report_pending' });
    await h.stores.references.put(ref, pointer);
    expect((await applyPendingReports(ref, pointer, h.deps)).result).toBe(1);
    expect((await messageOf(pointer)).status).toBe('delivered');
    expect(await h.stores.references.listPending(ref)).toEqual([]);
  });

  it('is never confused with another whose first 600 characters are the same', async () => {
    const shared = 'C'.repeat(600);
    const first = `${shared}FIRST`;
    const second = `${shared}SECOND`;
    const a = await seedOutbound(h, newCustomer(), first);
    const b = await seedOutbound(h, newCustomer(), second, false);
    expect((await route(deliveryReportBody({ referenceId: first, code: 200 }))).result).toMatchObject({
      kind: 'report',
    });
    // The second reference has no pointer: its report is parked on its own reference, not applied to the first's.
    expect((await route(deliveryReportBody({ referenceId: second, code: 210 }))).result).toMatchObject({
      kind: 'report_pending',
    });
    expect(await h.stores.references.get(second)).toBeUndefined();
    expect((await h.stores.references.listPending(first)).length).toBe(0);
    expect((await h.stores.references.listPending(second)).map((r) => r.statusCode)).toEqual([210]);
    expect((await messageOf(a.pointer)).timeline!.map((c) => c.code)).toEqual([290, 200]);
    expect((await messageOf(b.pointer)).status).toBe('sent');
  });
});

describe('a Telesign integer JSON cannot carry exactly', () => {
  it.each([
    ['beyond Number.MAX_SAFE_INTEGER', '1152921504606846976'],
    ['a digit string that reads as Infinity', `"${'9'.repeat(400)}"`],
  ])('as a status code (%s) keeps the callback as unrecognized, stored with its raw body', async (_what, literal) => {
    const raw = deliveryReportBody({ code: 777_777 }).replace('777777', literal);
    const event = queued(raw);
    expect(event.type).toBe('callback.unrecognized');
    const { result } = await routeEvent(event, h.deps);
    expect(result).toMatchObject({ kind: 'unrecognized_stored', eventId: event.eventId });
    const stored = await storedUnrecognized(event.eventId);
    expect(stored.rawBody).toBe(raw);
    expect(stored.reason).toMatch(/status code/);
  });

  it('as a part count or an error code is left out, and the report is applied', async () => {
    const ref = 'D'.repeat(32);
    const { pointer } = await seedOutbound(h, newCustomer(), ref);
    const raw = deliveryReportBody({ referenceId: ref, code: 200, partsCount: 555_555 })
      .replace('555555', `"${'9'.repeat(400)}"`)
      .replace('"errors":[]', '"errors":[{"code":1e400,"description":"odd"}]');
    const { result } = await route(raw);
    expect(result).toMatchObject({ kind: 'report', status: 'delivered' });
    expect((await messageOf(pointer)).status).toBe('delivered');
  });
});

describe('a field longer than a table property holds (32,768 UTF-16 units)', () => {
  it('an inbound text of 40,000 characters is stored, cut with a marker', async () => {
    const customer = newCustomer();
    const { result } = await route(inboundSmsBody({ from: customer, text: 'x'.repeat(40_000) }));
    expect(result).toMatchObject({ kind: 'message' });
    const threadId = threadIdOf(account1.customerId, SUPPORT, customer);
    const [message] = await h.messages(threadId, 1);
    expect(message.text.length).toBe(30_000);
    expect(message.text.endsWith(' […cut: 40000 characters in all]')).toBe(true);
  });

  it('a raw time of 40,000 characters is stored cut', async () => {
    const customer = newCustomer();
    const body = JSON.parse(inboundSmsBody({ from: customer }));
    body.submit_timestamp = 't'.repeat(40_000);
    const { result } = await route(JSON.stringify(body));
    expect(result).toMatchObject({ kind: 'message' });
    const [message] = await h.messages(threadIdOf(account1.customerId, SUPPORT, customer), 1);
    expect(message.telesignTimestamp!.length).toBe(1_000);
  });

  it('a report with a 40,000-character description and many errors is parked whole, then applied', async () => {
    const ref = 'E'.repeat(32);
    const { pointer } = await seedOutbound(h, newCustomer(), ref, false);
    const body = JSON.parse(deliveryReportBody({ referenceId: ref, code: 200, description: 'd'.repeat(40_000) }));
    body.errors = Array.from({ length: 40 }, (_, i) => ({ code: i, description: 'e'.repeat(900) }));
    expect((await route(JSON.stringify(body))).result).toMatchObject({ kind: 'report_pending' });
    const [parked] = await h.stores.references.listPending(ref);
    expect(parked.errors).toHaveLength(40);
    expect(parked.statusDescription.length).toBe(1_000);
    await h.stores.references.put(ref, pointer);
    await applyPendingReports(ref, pointer, h.deps);
    const message = await messageOf(pointer);
    expect(message.status).toBe('delivered');
    expect(message.timeline!.at(-1)!.description!.endsWith('[…cut: 40000 characters in all]')).toBe(true);
  });

  it('a timeline that outgrows one property is split over several and reads back whole', async () => {
    const ref = 'F'.repeat(32);
    const { pointer } = await seedOutbound(h, newCustomer(), ref);
    for (let i = 0; i < 40; i++) {
      const raw = deliveryReportBody({
        referenceId: ref,
        code: 290,
        description: `${i} `.padEnd(1_000, 'p'),
        updatedOn: `2026-11-27T10:00:${String(i).padStart(2, '0')}.000Z`,
      });
      await route(raw);
    }
    const message = await messageOf(pointer);
    expect(message.timeline).toHaveLength(41);
    expect(JSON.stringify(message.timeline).length).toBeGreaterThan(32_768);
  });

  it("an unrecognized callback's 64 KiB raw body is stored whole, every part within a property", async () => {
    const emoji = '😀'.repeat(7_000); // 14,000 UTF-16 units, 28,000 bytes
    const raw = JSON.stringify({ note: 'a'.repeat(16_000) + emoji, more: 'é'.repeat(9_000) });
    expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(64 * 1024);
    const event = queued(raw);
    expect(event.type).toBe('callback.unrecognized');
    await routeEvent(event, h.deps);
    const stored = await storedUnrecognized(event.eventId);
    expect(stored.rawBody).toBe(raw);
    for (const part of stored.parts) {
      expect(part.length).toBeLessThanOrEqual(32_768);
      expect(/[\uD800-\uDFFF]/u.test(part)).toBe(false);
    }
  });
});

describe("Table Storage's answer", () => {
  it('a permanent refusal (400) is a DeadLetterError with the real reason, not "could not be reached"', async () => {
    // An event built past the parser and the schema, so nothing bounds its text: the table refuses it for good.
    const unbounded = { ...inboundEvent({ from: newCustomer(), text: 'hi' }), text: 'y'.repeat(40_000) };
    const failure = await routeEvent(unbounded, h.deps).catch((error: unknown) => error);
    expect(isDeadLetterError(failure)).toBe(true);
    expect(isAppError(failure)).toBe(false);
    expect(failure).toMatchObject({
      reason: 'storage_rejected',
      description: expect.stringMatching(
        /^Table Storage refused to write a thread's batch \(400 PropertyValueTooLarge\)/,
      ),
    });
  });

  it.each([
    ['a filter', () => h.stores.threads.read('thread-\uD800')],
    ['a point read', () => h.stores.threads.getConversation('thread-\uD800', 1)],
    ['a listing', () => h.stores.index.scan('open', { queue: 'billing\uDC00' })[Symbol.asyncIterator]().next()],
  ])(
    'a request the client cannot build (a lone surrogate in %s) is refused for good before anything is sent',
    async (_what, call) => {
      // The services never hand a store such a value (keys.ts encodes ids, continuationToken.ts checks tokens);
      // should one get through, the SDK's URIError must not pass for an outage and be retried ten times.
      h.counter.reset();
      const failure = await call().catch((error: unknown) => error);
      expect(h.counter.count()).toBe(0);
      expect(isDeadLetterError(failure)).toBe(true);
      expect(isAppError(failure)).toBe(false);
      expect(failure).toMatchObject({
        reason: 'storage_rejected',
        statusCode: undefined,
        description: expect.stringMatching(
          /^Could not read .+: the request failed in the client, not in Table Storage \(URIError: URI malformed\)/,
        ),
      });
    },
  );

  it('a store that cannot be reached is storage_unavailable (retry later)', async () => {
    const tables = createTableClients(
      { kind: 'connectionString', connectionString: h.azurite.connectionString.replace(`:${h.azurite.port}/`, ':1/') },
      { retryOptions: { maxRetries: 0 } },
    );
    const stores = createTableStores(tables);
    await expect(stores.references.get('REF')).rejects.toMatchObject({ code: 'storage_unavailable' });
    const unrecognized = queued('[]');
    if (unrecognized.type !== 'callback.unrecognized') throw new Error(unrecognized.type);
    await expect(stores.unrecognized.save(unrecognized)).rejects.toMatchObject({ code: 'storage_unavailable' });
  });
});
