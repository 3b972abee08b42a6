jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { HttpRequest, InvocationContext } from '@azure/functions';
import { isServiceBusError, ServiceBusClient } from '@azure/service-bus';
import fc from 'fast-check';

import { guarded } from '../../functions/support/guarded';
import { telesignCallback } from '../../functions/telesignCallback';
import { EmbeddedBroker } from '../../local/broker';
import { buildApp, resetApp, useApp } from '../../shared/app';
import { loadConfig } from '../../shared/config';
import { inboundEventSchema } from '../../shared/domain/inboundEvent';
import { parseQueueBody } from '../../shared/domain/queueBody';
import { CALLBACK_MAX_BYTES } from '../../shared/services/ingest';
import { parseCallback } from '../../shared/telesign/callbackParser';
import { auditedLogHandler } from '../support/capturingLogger';
import { figures, recordFigures, runs, seedOf } from '../support/figures';
import { accountsSetting, localSecrets } from '../support/telesignFixtures';
import {
  ACCOUNTS,
  anyBody,
  anyText,
  asWireValue,
  authenticFor,
  callbackJsonText,
  canonicalPlan,
  headerPlan,
  headersOf,
} from './callbackArbitraries';

/**
 * The callback endpoint as the Functions host runs it (the function behind its `guarded` wrapper, on the real app
 * over the embedded Service Bus broker), for any body and headers: never a 5xx (nothing here is down), never an
 * unhandled rejection (Jest fails the running test on one), 401 for anything not in the canonical signed form,
 * and for an authentic callback 200 with exactly one message queued in the session the parser names, which the
 * router's queue schema reads.
 */

let broker: EmbeddedBroker;
let consumer: ServiceBusClient;
/** A client that gives up at once when no session is waiting. */
let prober: ServiceBusClient;

const config = () =>
  loadConfig({
    TELESIGN_ACCOUNTS: accountsSetting(...ACCOUNTS),
    LOCAL_SECRETS: JSON.stringify(localSecrets(...ACCOUNTS)),
    ServiceBusConnection: broker.connectionString,
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  });

beforeAll(async () => {
  broker = await EmbeddedBroker.start({ queues: [{ name: 'sms-inbound', requiresSession: true }] });
  consumer = new ServiceBusClient(broker.connectionString);
  prober = new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 1_000 } });
  useApp(buildApp(config()));
});

afterAll(async () => {
  await resetApp();
  await consumer.close();
  await prober.close();
  await broker.stop();
});

const handler = guarded(telesignCallback);
const context = () =>
  new InvocationContext({
    invocationId: 'property',
    functionName: 'telesignCallback',
    logHandler: auditedLogHandler(),
  });

const RUNS = runs(300);
const SEED = seedOf(0x7e1e5_101);
const seen = figures('tried', 'answered200', 'answered400', 'answered401', 'answered413', 'fivexx', 'threw', 'queued');
/** Event ids queued so far: the same callback twice is queued once (duplicate detection). */
const queuedIds = new Set<string>();

/** Takes what one session holds; the broker has the messages before the function answers. */
async function takeSession(sessionId: string, expected: number) {
  const receiver = await consumer.acceptSession('sms-inbound', sessionId);
  try {
    const taken = expected > 0 ? await receiver.receiveMessages(expected, { maxWaitTimeInMs: 3_000 }) : [];
    for (const m of taken) await receiver.completeMessage(m);
    const left = await receiver.peekMessages(10);
    return { taken, left: left.length };
  } finally {
    await receiver.close();
  }
}

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
);
const contentLength = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.nat({ max: 2 * CALLBACK_MAX_BYTES }).map(String) },
  { weight: 1, arbitrary: anyText(8) },
);
/** Half the requests signed canonically, half near-canonical or junk. */
const plan = fc.oneof(canonicalPlan, headerPlan);
/** Mostly small bodies; some near and over the cap, which must answer 413 before anything is verified. */
const body = fc.oneof(
  { weight: 6, arbitrary: anyBody(4_096) },
  { weight: 6, arbitrary: callbackJsonText.map((text) => Buffer.from(text, 'utf8')) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: CALLBACK_MAX_BYTES - 16, max: CALLBACK_MAX_BYTES + 16 })
      .chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))
      .map((b) => Buffer.from(b)),
  },
);

describe('POST /api/telesign/callback, for any body and headers', () => {
  it(
    `never answers 5xx, refuses all but the canonical signed form, and queues every authentic callback readably (${RUNS} requests)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          body,
          plan,
          contentType,
          contentLength,
          fc.boolean(),
          async (raw, plan, type, length, asString) => {
            seen.tried++;
            const given = headersOf(plan, raw);
            const headers: Record<string, string> = {};
            if (typeof given.authorization === 'string') headers.authorization = asWireValue(given.authorization);
            if (typeof given.xTsAuthorization === 'string')
              headers['x-ts-authorization'] = asWireValue(given.xTsAuthorization);
            if (type) headers['content-type'] = type;
            if (length !== undefined) headers['content-length'] = asWireValue(length);
            // A body that is valid UTF-8 may come as a string; the bytes are the same either way.
            const text = raw.toString('utf8');
            const sendText = asString && Buffer.from(text, 'utf8').equals(raw);
            const request = new HttpRequest({
              method: 'POST',
              url: 'http://localhost:7071/api/telesign/callback',
              body: sendText ? { string: text } : { bytes: raw },
              headers,
            });

            let status: number;
            let responseBody: unknown;
            try {
              const response = await handler(request, context());
              status = response.status ?? 200;
              responseBody = response.jsonBody;
            } catch {
              seen.threw++;
              return false;
            }
            if (status >= 500) seen.fivexx++;
            seen[`answered${status}` as keyof typeof seen]++;

            // What the function saw, after the platform's own header handling (trimming, joining).
            const authorization = request.headers.get('authorization');
            const xTs = request.headers.get('x-ts-authorization');
            const declared = Number(request.headers.get('content-length') ?? '');
            const tooLarge =
              raw.length > CALLBACK_MAX_BYTES || (Number.isFinite(declared) && declared > CALLBACK_MAX_BYTES);
            const account = tooLarge ? undefined : authenticFor(raw, authorization, xTs);
            let json: unknown;
            let isJson = true;
            try {
              json = JSON.parse(text);
            } catch {
              isJson = false;
            }
            const expected = tooLarge ? 413 : !account ? 401 : !isJson ? 400 : 200;
            if (status !== expected) return false;
            if (status !== 200) {
              const code = { 413: 'payload_too_large', 401: 'invalid_signature', 400: 'invalid_json' }[status];
              return (responseBody as { error?: { code?: string } })?.error?.code === code;
            }

            // Authentic: exactly one message in the session the parser names (none if it was queued before).
            const configured = config().accounts.find((a) => a.customerId === account!.customerId)!;
            const mine = parseCallback(text, json, { account: configured, receivedAt: new Date().toISOString() });
            const fresh = !queuedIds.has(mine.messageId);
            const { taken, left } = await takeSession(mine.sessionId, fresh ? 1 : 0);
            if (left !== 0 || taken.length !== (fresh ? 1 : 0)) return false;
            queuedIds.add(mine.messageId);
            if (!fresh) return true;
            seen.queued++;
            const [message] = taken;
            const event = parseQueueBody(message.body);
            if (message.messageId !== event.eventId || event.eventId !== mine.messageId) return false;
            if (!inboundEventSchema.safeParse(JSON.parse(JSON.stringify(event))).success) return false;
            return event.type !== 'callback.unrecognized' || event.rawBody === text;
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
    },
    Math.max(30_000, RUNS * 150),
  );

  it('left nothing else on the queue: no refused callback was queued', async () => {
    const next = await prober.acceptNextSession('sms-inbound').catch((e: unknown) => e);
    expect(isServiceBusError(next) && next.code).toBe('ServiceTimeout');
  });

  it('reports its figures: every request answered, no 5xx, nothing thrown', () => {
    recordFigures('callbackHandler', { ...seen });
    expect(seen.tried).toBe(RUNS);
    expect(seen.fivexx).toBe(0);
    expect(seen.threw).toBe(0);
    expect(seen.answered200 + seen.answered400 + seen.answered401 + seen.answered413).toBe(RUNS);
    // Both sides of the line are reached.
    expect(seen.answered200).toBeGreaterThan(RUNS / 5);
    expect(seen.answered401).toBeGreaterThan(RUNS / 4);
    expect(seen.queued).toBe(queuedIds.size);
  });
});
