import { isDeepStrictEqual } from 'node:util';

import fc from 'fast-check';

import type { InboundEvent } from '../../shared/domain/inboundEvent';
import { inboundEventSchema } from '../../shared/domain/inboundEvent';
import { parseQueueBody } from '../../shared/domain/queueBody';
import { routeEvent, type RouteResult } from '../../shared/services/route';
import { encodeKey } from '../../shared/storage/keys';
import { parseCallback } from '../../shared/telesign/callbackParser';
import { deliveryReportSessionId } from '../../shared/telesign/eventIds';
import { figures, recordFigures, runs, seedOf } from '../support/figures';
import { type RouteHarness, seedOutbound, startRouteHarness, testConfig } from '../support/routeHarness';
import { callbackJsonText, fitsTheCap, nearDeliveryReportText, nearInboundSmsText } from './callbackArbitraries';

/**
 * An authentic callback is kept, whatever it holds (docs/architecture.md §Storage; issue 12 item 1): for any JSON
 * body under the 64 KiB cap (Telesign's shapes with random field values, huge integers, long strings, unicode,
 * lone surrogates, nested junk, or any JSON at all), the parser makes an event or `callback.unrecognized` with
 * the raw body, the queue schema reads its JSON back unchanged, and the router stores it on Table Storage
 * (Azurite) without throwing, where it reads back.
 */

const account = testConfig().accounts[0];
const RUNS = { parse: runs(2_000), store: runs(150) };
const SEEDS = { parse: seedOf(0x7e1e5_201), store: seedOf(0x7e1e5_202) };
const TYPES = ['message.received', 'delivery.reported', 'callback.unrecognized'] as const;

/** The text ingest hands the parser: the body's bytes read as UTF-8. */
const asIngestReadsIt = (jsonText: string) => Buffer.from(jsonText, 'utf8').toString('utf8');

/** The same JSON value, -0 and 0 alike: what the queue carries. */
const sameJson = (a: unknown, b: unknown) =>
  isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));

const parsed = figures(
  'tried',
  'threw',
  'message',
  'report',
  'unrecognized',
  'refusedByQueueSchema',
  'schemaRefusedParsed',
);

/** Parses as ingest does and checks the queue contract; returns the event the trigger would hand the router. */
function throughTheQueue(text: string, receivedAt: string): { event: InboundEvent; ok: boolean } | undefined {
  parsed.tried++;
  let queued;
  try {
    queued = parseCallback(text, JSON.parse(text), { account, receivedAt });
  } catch {
    parsed.threw++;
    return undefined;
  }
  const { event, messageId, sessionId } = queued;
  if (event.type === 'message.received') parsed.message++;
  else if (event.type === 'delivery.reported') parsed.report++;
  else parsed.unrecognized++;

  const checks = [
    TYPES.includes(event.type),
    messageId === event.eventId,
    // Service Bus takes message and session ids of at most 128 characters.
    messageId.length >= 1 && messageId.length <= 128,
    sessionId.length >= 1 && sessionId.length <= 128,
    event.account === account.customerId,
    event.type !== 'callback.unrecognized' || (event.rawBody === text && event.reason.length > 0),
    event.type !== 'message.received' || sessionId === event.threadId,
    event.type !== 'delivery.reported' || sessionId === deliveryReportSessionId(event.referenceId),
  ];
  if (event.type === 'callback.unrecognized' && event.reason.includes('queue schema refuses'))
    parsed.refusedByQueueSchema++;
  const schema = inboundEventSchema.safeParse(event);
  if (!schema.success) parsed.schemaRefusedParsed++;
  let read: InboundEvent;
  try {
    read = parseQueueBody(Buffer.from(JSON.stringify(event), 'utf8'));
  } catch {
    return { event, ok: false };
  }
  return { event: read, ok: schema.success && checks.every(Boolean) && sameJson(read, event) };
}

/** An error and its cause, as a counterexample's report shows them: the storage status says which case it is. */
function explain(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { message?: string; statusCode?: number } };
  const cause = e.cause ? ` (cause: ${e.cause.message}, status ${e.cause.statusCode})` : '';
  return `${e.name}: ${e.message}${cause}`;
}

describe('an authentic callback body, whatever it holds', () => {
  it(`becomes an event or callback.unrecognized that the queue schema reads back unchanged (${RUNS.parse} bodies)`, () => {
    fc.assert(
      fc.property(callbackJsonText, (jsonText) => {
        const result = throughTheQueue(asIngestReadsIt(jsonText), '2026-11-27T10:00:00.000Z');
        return result !== undefined && result.ok;
      }),
      { seed: SEEDS.parse, numRuns: RUNS.parse },
    );
    // Every kind of event is reached, and the schema's own refusals are met.
    expect(parsed.message).toBeGreaterThan(RUNS.parse / 10);
    expect(parsed.report).toBeGreaterThan(RUNS.parse / 10);
    expect(parsed.unrecognized).toBeGreaterThan(RUNS.parse / 10);
  });
});

describe('the router stores it on Table Storage', () => {
  let h: RouteHarness;
  beforeAll(async () => {
    h = await startRouteHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const stored = figures(
    'tried',
    'threw',
    'message',
    'duplicate',
    'report',
    'reportPending',
    'unrecognizedStored',
    'readBackWrong',
  );
  let customerSeq = 0;

  /** Reads back what the router wrote for the event: what is wrong with it, or undefined when it is all there. */
  async function wrongInStorage(event: InboundEvent, result: RouteResult): Promise<string | undefined> {
    switch (event.type) {
      case 'callback.unrecognized': {
        if (result.kind !== 'unrecognized_stored') return `routed as ${result.kind}`;
        const row = await h.tables.unrecognized.getEntity<Record<string, unknown>>(
          event.receivedAt.slice(0, 10),
          encodeKey(event.eventId),
        );
        const parts = Array.from({ length: Number(row.rawBodyParts) }, (_, i) => String(row[`rawBody${i}`]));
        if (parts.join('') !== event.rawBody) return 'the stored raw body differs';
        return row.reason === event.reason ? undefined : 'the stored reason differs';
      }
      case 'message.received': {
        if (result.kind === 'duplicate') return undefined;
        if (result.kind !== 'message') return `routed as ${result.kind}`;
        const n = Number(result.conversationId.split('.').pop());
        const { message } = await h.deps.threads.readMessage(event.threadId, n, result.messageNumber);
        if (!message) return 'the message is not stored';
        if (message.text !== event.text) return 'the stored text differs';
        return message.referenceId === event.referenceId ? undefined : 'the stored reference differs';
      }
      case 'delivery.reported': {
        if (result.kind === 'report_pending') {
          const pending = await h.stores.references.listPending(event.referenceId);
          return pending.some((p) => p.eventId === event.eventId) ? undefined : 'the parked report is not stored';
        }
        return result.kind === 'report' || result.kind === 'duplicate' ? undefined : `routed as ${result.kind}`;
      }
    }
  }

  /** Weighted towards what the router does most with: messages and reports. */
  const storedBody = fc
    .oneof(
      { weight: 2, arbitrary: nearInboundSmsText },
      { weight: 2, arbitrary: nearDeliveryReportText },
      { weight: 2, arbitrary: callbackJsonText },
    )
    .filter(fitsTheCap);

  it(`and it reads back, for ${RUNS.store} bodies (reports on a recorded reference or parked)`, async () => {
    await fc.assert(
      fc.asyncProperty(storedBody, fc.boolean(), async (jsonText, seedReference) => {
        stored.tried++;
        const through = throughTheQueue(asIngestReadsIt(jsonText), new Date().toISOString());
        if (!through?.ok) throw new Error('the parser or the queue schema broke the contract (see the first test)');
        const { event } = through;
        let result: RouteResult;
        try {
          if (event.type === 'delivery.reported' && seedReference)
            await seedOutbound(h, `1555${String(++customerSeq).padStart(7, '0')}`, event.referenceId);
          ({ result } = await routeEvent(event, h.deps));
        } catch (error) {
          stored.threw++;
          throw new Error(`routing ${event.type} threw: ${explain(error)}`);
        }
        const kind = {
          message: 'message',
          duplicate: 'duplicate',
          report: 'report',
          report_pending: 'reportPending',
          unrecognized_stored: 'unrecognizedStored',
        }[result.kind] as keyof typeof stored;
        stored[kind]++;
        const wrong = await wrongInStorage(event, result);
        if (wrong === undefined) return;
        stored.readBackWrong++;
        throw new Error(`${event.type} ${event.eventId}: ${wrong}`);
      }),
      // The tables keep what earlier runs wrote, so a shrunk input would be judged on other state: report the
      // first failing input as it was.
      { seed: SEEDS.store, numRuns: RUNS.store, endOnFailure: true },
    );
  });

  it('reports its figures: every body parsed, queued and stored, nothing thrown', () => {
    recordFigures('callbackParsing', { ...parsed });
    recordFigures('callbackStorage', { ...stored });
    expect(parsed.tried).toBe(RUNS.parse + RUNS.store);
    expect(parsed.threw).toBe(0);
    expect(parsed.schemaRefusedParsed).toBe(0);
    expect(parsed.message + parsed.report + parsed.unrecognized).toBe(parsed.tried);
    expect(stored.tried).toBe(RUNS.store);
    expect(stored.threw).toBe(0);
    expect(stored.readBackWrong).toBe(0);
    expect(stored.message + stored.duplicate + stored.report + stored.reportPending + stored.unrecognizedStored).toBe(
      RUNS.store,
    );
  });
});
