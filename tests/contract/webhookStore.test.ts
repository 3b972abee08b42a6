import { randomBytes } from 'node:crypto';

import { type AzuriteTables, startAzuriteTables } from '../../local/azurite';
import type { WebhookDelivery } from '../../shared/domain/webhookDelivery';
import {
  createMemoryWebhookEndpointStates,
  createMemoryWebhookFailures,
  createMemoryWebhookHolds,
} from '../../shared/memory/webhookStore';
import type {
  FailedDelivery,
  HoldState,
  WebhookEndpointStates,
  WebhookFailures,
  WebhookHolds,
} from '../../shared/ports/webhookStore';
import { createTableClients, ensureTables, type TableClients } from '../../shared/storage/tableClients';
import {
  createWebhookEndpointStates,
  createWebhookFailures,
  createWebhookHolds,
} from '../../shared/storage/webhookStore';

/**
 * The webhook stores (shared/ports/webhookStore.ts), held to one contract on Table Storage and in memory. Every
 * test names its own endpoints and threads, so the one `webhooks` table the Table adapter shares stays out of the
 * way of the other tests.
 */

let azurite: AzuriteTables;
let tables: TableClients;
beforeAll(async () => {
  azurite = await startAzuriteTables();
  tables = createTableClients({ kind: 'connectionString', connectionString: azurite.connectionString });
  await ensureTables(tables);
});
afterAll(() => azurite.stop());

interface Stores {
  holds: WebhookHolds;
  failures: WebhookFailures;
  states: WebhookEndpointStates;
}

let seq = 0;
/** A name an operator could give: spaces, a slash, non-ASCII; the stores key it by its hash. */
const endpointName = () => `Desk ${++seq} / Überwachung 📨`;
const threadId = () => `T${String(++seq).padStart(8, '0')}${randomBytes(9).toString('base64url')}`;
const eventId = () => `ce-${randomBytes(20).toString('hex')}`;

const delivery = (endpoint: string, thread: string, fields: Partial<WebhookDelivery> = {}): WebhookDelivery => {
  const id = fields.eventId ?? eventId();
  return {
    endpoint,
    eventId: id,
    threadId: thread,
    type: 'message.received',
    body: JSON.stringify({ type: 'message.received', timestamp: '2026-12-07T10:00:00.000Z', data: { id } }),
    committedAt: '2026-12-07T10:00:00.000Z',
    ...fields,
  };
};

const stateOf = (head: WebhookDelivery, attempt = 0, lastOutcome?: string): HoldState => ({
  head,
  awaiting: {
    messageId: `${head.eventId}.a${attempt}.${randomBytes(4).toString('hex')}`,
    attempt,
    dueAt: '2026-12-07T10:00:05.000Z',
  },
  writtenBy: `msg-${randomBytes(4).toString('hex')}`,
  ...(lastOutcome ? { lastOutcome } : {}),
});

describe.each<[string, () => Stores]>([
  [
    'Table Storage',
    () => ({
      holds: createWebhookHolds(tables.webhooks),
      failures: createWebhookFailures(tables.webhooks),
      states: createWebhookEndpointStates(tables.webhooks),
    }),
  ],
  [
    'memory',
    () => ({
      holds: createMemoryWebhookHolds(),
      failures: createMemoryWebhookFailures(),
      states: createMemoryWebhookEndpointStates(),
    }),
  ],
])('webhook stores on %s', (_name, create) => {
  let holds: WebhookHolds;
  let failures: WebhookFailures;
  let states: WebhookEndpointStates;
  beforeAll(() => {
    ({ holds, failures, states } = create());
  });

  /** A hold opened on a fresh endpoint and thread, read back. */
  const opened = async (state?: (endpoint: string, thread: string) => HoldState) => {
    const endpoint = endpointName();
    const thread = threadId();
    const first = state ? state(endpoint, thread) : stateOf(delivery(endpoint, thread), 1, '503');
    expect(await holds.open(endpoint, thread, first)).toBe(true);
    const hold = await holds.get(endpoint, thread);
    if (!hold) throw new Error('the hold just opened is not there');
    return { endpoint, thread, hold, first };
  };

  describe('holds', () => {
    it('has no hold for a pair never opened', async () => {
      expect(await holds.get(endpointName(), threadId())).toBeUndefined();
      expect(await holds.firstParked(endpointName(), threadId())).toBeUndefined();
    });

    it('reads back the state a hold was opened with, and a version', async () => {
      const { hold, first } = await opened();
      const { version, ...state } = hold;
      expect(state).toEqual(first);
      expect(typeof version).toBe('string');
      expect(version.length).toBeGreaterThan(0);
    });

    it('reads back a state without a last outcome as one without it', async () => {
      const { hold } = await opened((endpoint, thread) => stateOf(delivery(endpoint, thread)));
      expect(hold).not.toHaveProperty('lastOutcome');
    });

    it('opens a hold only once', async () => {
      const { endpoint, thread, first } = await opened();
      expect(await holds.open(endpoint, thread, stateOf(delivery(endpoint, thread)))).toBe(false);
      expect(await holds.get(endpoint, thread)).toMatchObject(first);
    });

    it('updates a hold under the version read, and changes the version', async () => {
      const { endpoint, thread, hold, first } = await opened();
      const next = stateOf(first.head, 2, 'timeout');
      expect(await holds.update(endpoint, thread, hold.version, next)).toBe(true);
      const after = await holds.get(endpoint, thread);
      expect(after).toMatchObject(next);
      expect(after?.version).not.toBe(hold.version);
    });

    it('refuses an update under a stale version and keeps what is there', async () => {
      const { endpoint, thread, hold, first } = await opened();
      const second = stateOf(first.head, 2, '500');
      expect(await holds.update(endpoint, thread, hold.version, second)).toBe(true);
      expect(await holds.update(endpoint, thread, hold.version, stateOf(first.head, 3, '502'))).toBe(false);
      expect(await holds.get(endpoint, thread)).toMatchObject(second);
    });

    it('refuses an update of a hold that is not there', async () => {
      const { endpoint, thread, hold } = await opened();
      expect(await holds.update(endpoint, threadId(), hold.version, stateOf(delivery(endpoint, thread)))).toBe(false);
    });

    it('parks deliveries in line, the oldest first, in increasing places', async () => {
      const { endpoint, thread } = await opened();
      const parked = [delivery(endpoint, thread), delivery(endpoint, thread), delivery(endpoint, thread)];
      const places: number[] = [];
      for (const d of parked) {
        const hold = (await holds.get(endpoint, thread))!;
        expect(await holds.park(endpoint, thread, hold, d)).toBe('parked');
        const first = (await holds.firstParked(endpoint, thread))!;
        expect(first.delivery).toEqual(parked[0]);
        places.push(first.seq);
      }
      // The first in line stays the first while more are parked behind it.
      expect(new Set(places).size).toBe(1);

      const seqs: number[] = [];
      for (const d of parked) {
        const hold = (await holds.get(endpoint, thread))!;
        const first = (await holds.firstParked(endpoint, thread))!;
        expect(first.delivery).toEqual(d);
        seqs.push(first.seq);
        expect(await holds.promote(endpoint, thread, hold.version, first, stateOf(d))).toBe(true);
      }
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(await holds.firstParked(endpoint, thread)).toBeUndefined();
    });

    it('changes the version when it parks', async () => {
      const { endpoint, thread, hold } = await opened();
      expect(await holds.park(endpoint, thread, hold, delivery(endpoint, thread))).toBe('parked');
      expect((await holds.get(endpoint, thread))?.version).not.toBe(hold.version);
    });

    it('parks the same event once: a second parking of it is a duplicate', async () => {
      const { endpoint, thread } = await opened();
      const d = delivery(endpoint, thread);
      expect(await holds.park(endpoint, thread, (await holds.get(endpoint, thread))!, d)).toBe('parked');
      expect(await holds.park(endpoint, thread, (await holds.get(endpoint, thread))!, d)).toBe('duplicate');
      const first = (await holds.firstParked(endpoint, thread))!;
      expect(first.delivery).toEqual(d);
      const hold = (await holds.get(endpoint, thread))!;
      expect(await holds.promote(endpoint, thread, hold.version, first, stateOf(d))).toBe(true);
      // Nothing else was in line: the duplicate made no second copy.
      expect(await holds.firstParked(endpoint, thread)).toBeUndefined();
    });

    it('refuses to park under a hold read before another parking', async () => {
      const { endpoint, thread, hold } = await opened();
      const a = delivery(endpoint, thread);
      const b = delivery(endpoint, thread);
      expect(await holds.park(endpoint, thread, hold, a)).toBe('parked');
      expect(await holds.park(endpoint, thread, hold, b)).toBe('conflict');
      const first = (await holds.firstParked(endpoint, thread))!;
      expect(first.delivery).toEqual(a);
      const now = (await holds.get(endpoint, thread))!;
      expect(await holds.promote(endpoint, thread, now.version, first, stateOf(a))).toBe(true);
      expect(await holds.firstParked(endpoint, thread)).toBeUndefined();
    });

    it('refuses to park under a hold read before an update', async () => {
      const { endpoint, thread, hold, first } = await opened();
      expect(await holds.update(endpoint, thread, hold.version, stateOf(first.head, 2, '503'))).toBe(true);
      expect(await holds.park(endpoint, thread, hold, delivery(endpoint, thread))).toBe('conflict');
      expect(await holds.firstParked(endpoint, thread)).toBeUndefined();
    });

    it('refuses to park where there is no hold', async () => {
      const { endpoint, thread, hold } = await opened();
      const other = threadId();
      expect(await holds.park(endpoint, other, hold, delivery(endpoint, other))).toBe('conflict');
      expect(await holds.firstParked(endpoint, other)).toBeUndefined();
      expect(await holds.get(endpoint, other)).toBeUndefined();
      expect(await holds.firstParked(endpoint, thread)).toBeUndefined();
    });

    it('promotes the first parked delivery: it leaves the line and becomes the head', async () => {
      const { endpoint, thread } = await opened();
      const a = delivery(endpoint, thread);
      const b = delivery(endpoint, thread);
      expect(await holds.park(endpoint, thread, (await holds.get(endpoint, thread))!, a)).toBe('parked');
      expect(await holds.park(endpoint, thread, (await holds.get(endpoint, thread))!, b)).toBe('parked');
      const hold = (await holds.get(endpoint, thread))!;
      const first = (await holds.firstParked(endpoint, thread))!;
      const next = stateOf(a);
      expect(await holds.promote(endpoint, thread, hold.version, first, next)).toBe(true);
      const after = (await holds.get(endpoint, thread))!;
      expect(after).toMatchObject(next);
      expect(after.version).not.toBe(hold.version);
      expect((await holds.firstParked(endpoint, thread))?.delivery).toEqual(b);
    });

    it('refuses a promotion under a stale version and changes nothing', async () => {
      const { endpoint, thread, hold, first: opening } = await opened();
      const a = delivery(endpoint, thread);
      expect(await holds.park(endpoint, thread, hold, a)).toBe('parked');
      // `hold` is from before the parking.
      const first = (await holds.firstParked(endpoint, thread))!;
      expect(await holds.promote(endpoint, thread, hold.version, first, stateOf(a))).toBe(false);
      expect(await holds.get(endpoint, thread)).toMatchObject(opening);
      expect(await holds.firstParked(endpoint, thread)).toEqual(first);
      // And the line still refuses the same event again: its marker stayed.
      expect(await holds.park(endpoint, thread, (await holds.get(endpoint, thread))!, a)).toBe('duplicate');
    });

    it('parks an event again once it was promoted out of the line', async () => {
      const { endpoint, thread } = await opened();
      const a = delivery(endpoint, thread);
      expect(await holds.park(endpoint, thread, (await holds.get(endpoint, thread))!, a)).toBe('parked');
      const first = (await holds.firstParked(endpoint, thread))!;
      const hold = (await holds.get(endpoint, thread))!;
      expect(await holds.promote(endpoint, thread, hold.version, first, stateOf(delivery(endpoint, thread)))).toBe(
        true,
      );
      // A replay of the same event later on: it takes its place in line again.
      expect(await holds.park(endpoint, thread, (await holds.get(endpoint, thread))!, a)).toBe('parked');
      const again = (await holds.firstParked(endpoint, thread))!;
      expect(again.delivery).toEqual(a);
      expect(again.seq).toBeGreaterThan(first.seq);
    });

    it('releases a hold under its version, and then it is gone', async () => {
      const { endpoint, thread, hold } = await opened();
      expect(await holds.release(endpoint, thread, hold.version)).toBe(true);
      expect(await holds.get(endpoint, thread)).toBeUndefined();
      // The pair can be held again.
      const state = stateOf(delivery(endpoint, thread));
      expect(await holds.open(endpoint, thread, state)).toBe(true);
      expect(await holds.get(endpoint, thread)).toMatchObject(state);
    });

    it('refuses a release under a stale version and keeps the hold', async () => {
      const { endpoint, thread, hold, first } = await opened();
      const next = stateOf(first.head, 2, '503');
      expect(await holds.update(endpoint, thread, hold.version, next)).toBe(true);
      expect(await holds.release(endpoint, thread, hold.version)).toBe(false);
      expect(await holds.get(endpoint, thread)).toMatchObject(next);
    });

    it('finds the holds, of any endpoint, whose attempt was due before a time', async () => {
      // Far before every other test's holds (due in 2026), so that the shared table's other rows stay out of it.
      const dueAt = (day: string) => (endpoint: string, thread: string) => {
        const state = stateOf(delivery(endpoint, thread));
        return { ...state, awaiting: { ...state.awaiting, dueAt: `2001-01-${day}T00:00:00.000Z` } };
      };
      const late = await opened(dueAt('01'));
      const later = await opened(dueAt('02'));
      const before = new Date('2001-01-01T12:00:00.000Z');
      const overdue = await holds.overdue(before, 10);
      expect(overdue.map((h) => h.head.eventId)).toEqual([late.first.head.eventId]);
      expect(overdue[0]).toEqual({ ...late.first, version: late.hold.version });
      expect(await holds.overdue(new Date('2001-01-03T00:00:00.000Z'), 1)).toHaveLength(1);
      // Moved on (a new due time), it is no longer overdue.
      const moved = { ...late.first, awaiting: { ...late.first.awaiting, dueAt: '2001-01-05T00:00:00.000Z' } };
      expect(await holds.update(late.endpoint, late.thread, late.hold.version, moved)).toBe(true);
      expect(await holds.overdue(before, 10)).toEqual([]);
      for (const h of [late, later]) {
        const current = await holds.get(h.endpoint, h.thread);
        expect(await holds.release(h.endpoint, h.thread, current!.version)).toBe(true);
      }
    });

    it('refuses a release of a hold that is not there', async () => {
      const { endpoint, thread, hold } = await opened();
      expect(await holds.release(endpoint, thread, hold.version)).toBe(true);
      expect(await holds.release(endpoint, thread, hold.version)).toBe(false);
    });

    it('counts the holds of one endpoint, up to a maximum', async () => {
      const endpoint = endpointName();
      const other = endpointName();
      const threads = [threadId(), threadId(), threadId()];
      for (const t of threads) expect(await holds.open(endpoint, t, stateOf(delivery(endpoint, t)))).toBe(true);
      const t = threadId();
      expect(await holds.open(other, t, stateOf(delivery(other, t)))).toBe(true);
      // Parked rows of a hold are not holds.
      const hold = (await holds.get(endpoint, threads[0]))!;
      expect(await holds.park(endpoint, threads[0], hold, delivery(endpoint, threads[0]))).toBe('parked');

      expect(await holds.countHolds(endpoint, 10)).toBe(3);
      expect(await holds.countHolds(endpoint, 2)).toBe(2);
      expect(await holds.countHolds(other, 10)).toBe(1);
      expect(await holds.countHolds(endpointName(), 10)).toBe(0);

      const released = (await holds.get(endpoint, threads[1]))!;
      expect(await holds.release(endpoint, threads[1], released.version)).toBe(true);
      expect(await holds.countHolds(endpoint, 10)).toBe(2);
    });

    it('keeps a large body with non-ASCII text byte for byte, in the hold and in line', async () => {
      const text = 'Grüße, ça va? 你好 👋🏽 '.repeat(1000).slice(0, 20_000);
      expect(text).toHaveLength(20_000);
      const endpoint = endpointName();
      const thread = threadId();
      const big = (id = eventId()) =>
        delivery(endpoint, thread, {
          eventId: id,
          body: JSON.stringify({ type: 'message.received', timestamp: '2026-12-07T10:00:00.000Z', data: { text } }),
        });
      const head = big();
      expect(await holds.open(endpoint, thread, stateOf(head, 1, '503'))).toBe(true);
      const hold = (await holds.get(endpoint, thread))!;
      expect(hold.head).toEqual(head);
      expect((JSON.parse(hold.head.body) as { data: { text: string } }).data.text).toBe(text);

      const parked = big();
      expect(await holds.park(endpoint, thread, hold, parked)).toBe('parked');
      const first = (await holds.firstParked(endpoint, thread))!;
      expect(first.delivery).toEqual(parked);
      const now = (await holds.get(endpoint, thread))!;
      expect(await holds.promote(endpoint, thread, now.version, first, stateOf(parked))).toBe(true);
      expect((await holds.get(endpoint, thread))?.head).toEqual(parked);
    });

    it('keeps a body longer than one table property: an inbound text at its 30,000-character limit', async () => {
      // An inbound text may be 30,000 characters (shared/domain/inboundEvent.ts TEXT_MAX); quotes and line breaks
      // are escaped once in the body and again in the stored delivery.
      const text = 'He said "call me"\n👋 '.repeat(1500).slice(0, 30_000);
      const endpoint = endpointName();
      const thread = threadId();
      const big = () =>
        delivery(endpoint, thread, {
          body: JSON.stringify({ type: 'message.received', timestamp: '2026-12-07T10:00:00.000Z', data: { text } }),
        });
      const head = big();
      expect(JSON.stringify(head).length).toBeGreaterThan(32_768);
      expect(await holds.open(endpoint, thread, stateOf(head, 1, '503'))).toBe(true);
      const hold = (await holds.get(endpoint, thread))!;
      expect(hold.head).toEqual(head);
      const parked = big();
      expect(await holds.park(endpoint, thread, hold, parked)).toBe('parked');
      const first = (await holds.firstParked(endpoint, thread))!;
      expect(first.delivery).toEqual(parked);
      const now = (await holds.get(endpoint, thread))!;
      expect(await holds.promote(endpoint, thread, now.version, first, stateOf(parked, 0))).toBe(true);
      expect((await holds.get(endpoint, thread))?.head).toEqual(parked);
      const failed: FailedDelivery = {
        delivery: parked,
        attempts: 8,
        reason: 'retries_exhausted',
        description: 'did not take it',
        failedAt: '2026-12-07T10:00:00.000Z',
      };
      await failures.keep(failed);
      expect(await failures.list(endpoint, 10)).toEqual([failed]);
    });

    it('reads a small head after a head longer than one property, and the other way round', async () => {
      const endpoint = endpointName();
      const thread = threadId();
      const big = delivery(endpoint, thread, { body: JSON.stringify({ data: { text: 'x"'.repeat(20_000) } }) });
      const small = delivery(endpoint, thread);
      expect(await holds.open(endpoint, thread, stateOf(big, 1, '503'))).toBe(true);
      let hold = (await holds.get(endpoint, thread))!;
      expect(await holds.update(endpoint, thread, hold.version, stateOf(small, 1, '503'))).toBe(true);
      hold = (await holds.get(endpoint, thread))!;
      expect(hold.head).toEqual(small);
      expect(await holds.park(endpoint, thread, hold, big)).toBe('parked');
      const first = (await holds.firstParked(endpoint, thread))!;
      hold = (await holds.get(endpoint, thread))!;
      expect(await holds.promote(endpoint, thread, hold.version, first, stateOf(big))).toBe(true);
      expect((await holds.get(endpoint, thread))?.head).toEqual(big);
    });

    it('tells endpoints apart whatever their names, the same name in any case being one endpoint', async () => {
      const names = ['Power Automate / Sales', 'power automate', 'ünïcödé 🚀', 'a/b\\c#d?e', "it's"];
      const thread = threadId();
      for (const name of names) {
        const endpoint = `${name} ${++seq}`;
        const state = stateOf(delivery(endpoint, thread));
        expect(await holds.open(endpoint, thread, state)).toBe(true);
        expect(await holds.get(endpoint, thread)).toMatchObject(state);
        expect(await holds.open(endpoint.toUpperCase(), thread, state)).toBe(false);
        expect(await holds.countHolds(endpoint, 10)).toBe(1);
      }
    });
  });

  describe('failed deliveries', () => {
    const failure = (d: WebhookDelivery, failedAt: string, reason = 'retries_exhausted'): FailedDelivery => ({
      delivery: d,
      attempts: 8,
      reason,
      description: `Endpoint "${d.endpoint}" did not take it in 8 attempts; the last answer was 503.`,
      failedAt,
    });

    it('lists what it keeps, oldest first, at most a limit', async () => {
      const endpoint = endpointName();
      const thread = threadId();
      const a = failure(delivery(endpoint, thread), '2026-12-07T10:00:00.000Z');
      const b = failure(delivery(endpoint, thread), '2026-12-07T10:00:01.000Z', 'endpoint_gone');
      const c = failure(delivery(endpoint, threadId()), '2026-12-07T10:00:02.000Z', 'refused_by_endpoint');
      for (const f of [c, a, b]) await failures.keep(f);
      expect(await failures.list(endpoint, 10)).toEqual([a, b, c]);
      expect(await failures.list(endpoint, 2)).toEqual([a, b]);
      expect(await failures.list(endpoint, 1)).toEqual([a]);
    });

    it('lists nothing for an endpoint with no failures', async () => {
      expect(await failures.list(endpointName(), 10)).toEqual([]);
    });

    it('replaces a kept delivery when the same event is kept again for the same endpoint', async () => {
      const endpoint = endpointName();
      const d = delivery(endpoint, threadId());
      await failures.keep(failure(d, '2026-12-07T10:00:00.000Z'));
      const again = { ...failure(d, '2026-12-07T11:00:00.000Z', 'endpoint_gone'), attempts: 1 };
      await failures.keep(again);
      expect(await failures.list(endpoint, 10)).toEqual([again]);
    });

    it('keeps the same event apart for two endpoints', async () => {
      const one = endpointName();
      const two = endpointName();
      const id = eventId();
      const thread = threadId();
      const a = failure(delivery(one, thread, { eventId: id }), '2026-12-07T10:00:00.000Z');
      const b = failure(delivery(two, thread, { eventId: id }), '2026-12-07T10:00:01.000Z');
      await failures.keep(a);
      await failures.keep(b);
      expect(await failures.list(one, 10)).toEqual([a]);
      expect(await failures.list(two, 10)).toEqual([b]);
      await failures.remove(one, id);
      expect(await failures.list(one, 10)).toEqual([]);
      expect(await failures.list(two, 10)).toEqual([b]);
    });

    it('removes a kept delivery, and removing one that is not there is fine', async () => {
      const endpoint = endpointName();
      const a = failure(delivery(endpoint, threadId()), '2026-12-07T10:00:00.000Z');
      const b = failure(delivery(endpoint, threadId()), '2026-12-07T10:00:01.000Z');
      await failures.keep(a);
      await failures.keep(b);
      await failures.remove(endpoint, a.delivery.eventId);
      expect(await failures.list(endpoint, 10)).toEqual([b]);
      await failures.remove(endpoint, a.delivery.eventId);
      await failures.remove(endpointName(), eventId());
      expect(await failures.list(endpoint, 10)).toEqual([b]);
    });

    it('keeps a large body with non-ASCII text byte for byte', async () => {
      const endpoint = endpointName();
      const body = JSON.stringify({ data: { text: '¡Olé! 🎉 ' + 'ü'.repeat(19_990) } });
      const f = failure(delivery(endpoint, threadId(), { body }), '2026-12-07T10:00:00.000Z');
      await failures.keep(f);
      expect(await failures.list(endpoint, 10)).toEqual([f]);
    });
  });

  describe('endpoint states', () => {
    it('reads back a disabled endpoint, and disabling it again replaces it', async () => {
      const endpoint = endpointName();
      const other = endpointName();
      const first = {
        endpoint,
        fingerprint: 'a'.repeat(32),
        disabledAt: '2026-12-07T10:00:00.000Z',
        eventId: eventId(),
      };
      const mine = async () => (await states.disabled()).filter((s) => s.endpoint === endpoint || s.endpoint === other);
      expect(await mine()).toEqual([]);
      await states.disable(first);
      expect(await mine()).toEqual([first]);
      const again = {
        ...first,
        fingerprint: 'b'.repeat(32),
        disabledAt: '2026-12-07T11:00:00.000Z',
        eventId: eventId(),
      };
      await states.disable(again);
      expect(await mine()).toEqual([again]);
      const otherState = { ...first, endpoint: other, eventId: eventId() };
      await states.disable(otherState);
      expect((await mine()).sort((a, b) => a.endpoint.localeCompare(b.endpoint))).toEqual(
        [again, otherState].sort((a, b) => a.endpoint.localeCompare(b.endpoint)),
      );
    });
  });
});
