import { randomBytes } from 'node:crypto';

import { type ChannelEvent, channelEventSchema } from '../../shared/domain/channelEvents';
import { InvalidEventError } from '../../shared/domain/queueBody';
import { type DeliveryMessage, fannedOutMessageId, type WebhookDelivery } from '../../shared/domain/webhookDelivery';
import { webhookPayloadOf } from '../../shared/domain/webhookPayload';
import { AppError } from '../../shared/errors';
import {
  createMemoryWebhookEndpointStates,
  createMemoryWebhookFailures,
  createMemoryWebhookHolds,
} from '../../shared/memory/webhookStore';
import type { WebhookFailures, WebhookHolds } from '../../shared/ports/webhookStore';
import type { QueuedDelivery, WebhookDeliveryQueue } from '../../shared/queue/webhookDeliveryQueue';
import type { SecretProvider } from '../../shared/secrets/secretProvider';
import { handleWebhookDelivery, type WebhookDeliveryDeps } from '../../shared/services/webhookDeliveries';
import { createEndpointGate, type EndpointGate } from '../../shared/services/webhookEndpointGate';
import { fanOutWebhooks } from '../../shared/services/webhookFanOut';
import { replayFailedDeliveries } from '../../shared/services/webhookReplay';
import { resendOverdueAttempts } from '../../shared/services/webhookSweep';
import type { DeliveryAttempt, DeliveryResult } from '../../shared/webhooks/deliveryClient';
import type { WebhookEndpoint } from '../../shared/webhooks/endpointSettings';
import { auditedLogger } from '../support/capturingLogger';

/**
 * The webhook deliveries' state machine (shared/services/webhookDeliveries.ts) with the memory stores, a queue
 * that records what it is sent, and scripted attempts: the HTTP attempt is the outer boundary, tested on its own
 * in tests/integration/webhookDeliveryClient.test.ts. "Delivering" a recorded message feeds its body and id back
 * to the handler, as the session consumer does.
 */

const NOW = new Date('2026-12-07T10:00:00.000Z');
const now = () => NOW;
const SECRET = 'whsec_' + randomBytes(32).toString('base64');

const deskA: WebhookEndpoint = {
  name: 'Desk A',
  url: 'https://a.example.com/hooks',
  secretName: 'webhook-a',
  events: ['*'],
};
const deskB: WebhookEndpoint = {
  name: 'Desk B / Sales',
  url: 'https://b.example.com/in?code=x',
  secretName: 'webhook-b',
  events: ['message.sent'],
};
const deskC: WebhookEndpoint = {
  name: 'Desk C',
  url: 'https://c.example.com/in',
  secretName: 'webhook-c',
  events: ['message.received', 'consent.changed'],
};

const answered = (status: number): DeliveryResult => ({ kind: 'answered', status, bytesRead: 0, durationMs: 1 });
const timeout: DeliveryResult = { kind: 'timeout', durationMs: 1 };

let ids = 0;
const eventId = () => `ce-${String(++ids).padStart(4, '0')}${randomBytes(18).toString('hex')}`;
const THREAD = 'T1abcdefghijklmnopqrst';
const OTHER_THREAD = 'T1zyxwvutsrqponmlkjihg';

const delivery = (id: string, threadId = THREAD, endpoint = deskA.name): WebhookDelivery => ({
  endpoint,
  eventId: id,
  threadId,
  type: 'message.received',
  body: JSON.stringify({ type: 'message.received', timestamp: NOW.toISOString(), data: { id } }),
  committedAt: NOW.toISOString(),
});

const newMessage = (id: string, threadId = THREAD, endpoint = deskA.name): QueuedDelivery => ({
  messageId: fannedOutMessageId(endpoint, id),
  message: { kind: 'new', attempt: 0, delivery: delivery(id, threadId, endpoint) },
});

interface Harness {
  holds: WebhookHolds;
  failures: WebhookFailures;
  gate: EndpointGate;
  /** Everything sent to the queue, in order. */
  sent: QueuedDelivery[];
  /** Sent and not delivered yet, in order. */
  pending: QueuedDelivery[];
  attempts: DeliveryAttempt[];
  /** The answers the endpoints give, in order, by endpoint name; once a list is used up, 200. */
  answers: Map<string, DeliveryResult[]>;
  secretNames: string[];
  deps: WebhookDeliveryDeps;
  handle: (queued: QueuedDelivery) => Promise<void>;
  /** Hands back to the handler the pending message due first (the first sent, among those due together). */
  deliverNext: () => Promise<QueuedDelivery>;
  /** Delivers until nothing is pending; answers how many messages were handled. */
  drain: () => Promise<number>;
  attemptedIds: () => string[];
}

function harness(options: Partial<WebhookDeliveryDeps> = {}): Harness {
  const holds = createMemoryWebhookHolds();
  const failures = createMemoryWebhookFailures();
  const gate = createEndpointGate(createMemoryWebhookEndpointStates(), now);
  const sent: QueuedDelivery[] = [];
  const pending: QueuedDelivery[] = [];
  const attempts: DeliveryAttempt[] = [];
  const answers = new Map<string, DeliveryResult[]>();
  const secretNames: string[] = [];
  const queue: WebhookDeliveryQueue = {
    async send(deliveries) {
      // The port's batch is all or nothing: copies, so a later change by the handler cannot alter what was sent.
      const copies = deliveries.map((d) => structuredClone(d));
      sent.push(...copies);
      pending.push(...copies);
    },
    async close() {},
  };
  const secrets: SecretProvider = {
    async get(name) {
      secretNames.push(name);
      return SECRET;
    },
    invalidate() {},
  };
  const deps: WebhookDeliveryDeps = {
    endpoints: [deskA, deskB, deskC],
    timeoutMs: 15_000,
    holds,
    failures,
    gate,
    queue,
    secrets,
    attempt: async (attempt) => {
      attempts.push(structuredClone(attempt));
      return answers.get(attempt.endpoint.name)?.shift() ?? answered(200);
    },
    now,
    random: () => 0.5,
    ...options,
  };
  const handle = (queued: QueuedDelivery) =>
    // The body as Service Bus hands it over: the JSON the message was sent with.
    handleWebhookDelivery(JSON.stringify(queued.message), queued.messageId, deps, auditedLogger);
  const deliverNext = async () => {
    if (!pending.length) throw new Error('nothing is pending on the queue');
    const due = (d: QueuedDelivery) => d.dueAt?.getTime() ?? 0;
    const at = pending.reduce((best, d, i) => (due(d) < due(pending[best]) ? i : best), 0);
    const [next] = pending.splice(at, 1);
    await handle(next);
    return next;
  };
  const drain = async () => {
    let n = 0;
    while (pending.length) {
      await deliverNext();
      if (++n > 100) throw new Error('the queue does not run dry');
    }
    return n;
  };
  return {
    holds,
    failures,
    gate,
    sent,
    pending,
    attempts,
    answers,
    secretNames,
    deps,
    handle,
    deliverNext,
    drain,
    attemptedIds: () => attempts.map((a) => a.id),
  };
}

const inSeconds = (s: number) => new Date(NOW.getTime() + s * 1000);

describe('handleWebhookDelivery', () => {
  it('delivers at once on 2xx and keeps nothing', async () => {
    const h = harness();
    const id = eventId();
    await h.handle(newMessage(id));
    expect(h.attempts).toEqual([
      { endpoint: deskA, id, body: delivery(id).body, secrets: [SECRET], timeoutMs: 15_000 },
    ]);
    expect(h.secretNames).toEqual([deskA.secretName]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
    expect(await h.failures.list(deskA.name, 10)).toEqual([]);
    expect(h.sent).toEqual([]);
  });

  it('signs with both secrets while one is rotated', async () => {
    const other = 'whsec_' + randomBytes(32).toString('base64');
    const h = harness();
    h.deps.secrets = { get: async () => `${SECRET} ${other}\n`, invalidate() {} };
    await h.handle(newMessage(eventId()));
    expect(h.attempts.map((a) => a.secrets)).toEqual([[SECRET, other]]);
  });

  it('holds a conversation on 503, parks what follows, and delivers it all in order, each once', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(503)]);
    const [e1, e2, e3, e4] = [eventId(), eventId(), eventId(), eventId()];

    await h.handle(newMessage(e1));
    const hold = await h.holds.get(deskA.name, THREAD);
    expect(hold).toMatchObject({ head: delivery(e1), awaiting: { attempt: 1 }, lastOutcome: '503' });
    expect(h.pending).toHaveLength(1);
    const [retry] = h.pending;
    expect(retry).toEqual({
      messageId: hold!.awaiting.messageId,
      message: { kind: 'attempt', attempt: 1, delivery: delivery(e1) },
      dueAt: inSeconds(5),
    });
    expect(retry.messageId).not.toBe(newMessage(e1).messageId);

    // The later events of the same conversation wait behind it, unattempted.
    for (const id of [e2, e3, e4]) await h.handle(newMessage(id));
    expect(h.attemptedIds()).toEqual([e1]);
    expect(h.pending).toHaveLength(1);
    expect((await h.holds.firstParked(deskA.name, THREAD))?.delivery).toEqual(delivery(e2));

    // The retry succeeds: the first parked one is the head, sent as an attempt of its own, at once.
    await h.deliverNext();
    expect(h.attemptedIds()).toEqual([e1, e1]);
    expect(h.pending).toHaveLength(1);
    const [next] = h.pending;
    expect(next.message).toEqual({ kind: 'attempt', attempt: 0, delivery: delivery(e2) });
    expect(next.dueAt!.getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect((await h.holds.get(deskA.name, THREAD))?.head).toEqual(delivery(e2));

    await h.drain();
    expect(h.attemptedIds()).toEqual([e1, e1, e2, e3, e4]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
    expect(await h.holds.firstParked(deskA.name, THREAD)).toBeUndefined();
    expect(await h.failures.list(deskA.name, 10)).toEqual([]);
    // Every attempt message had its own id.
    expect(new Set(h.sent.map((s) => s.messageId)).size).toBe(h.sent.length);
  });

  it('retries on 429, timeouts and network failures too, on the schedule', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(429), timeout, { kind: 'network', reason: 'ECONNRESET', durationMs: 1 }]);
    const e1 = eventId();
    await h.handle(newMessage(e1));
    expect(h.pending.map((p) => [p.message.attempt, p.dueAt])).toEqual([[1, inSeconds(5)]]);
    await h.deliverNext();
    expect(h.pending.map((p) => [p.message.attempt, p.dueAt])).toEqual([[2, inSeconds(300)]]);
    expect(await h.holds.get(deskA.name, THREAD)).toMatchObject({ lastOutcome: 'timeout' });
    await h.deliverNext();
    expect(h.pending.map((p) => [p.message.attempt, p.dueAt])).toEqual([[3, inSeconds(1800)]]);
    expect(await h.holds.get(deskA.name, THREAD)).toMatchObject({ lastOutcome: 'network' });
    await h.drain();
    expect(h.attemptedIds()).toEqual([e1, e1, e1, e1]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
  });

  it('does not hold another conversation, nor another endpoint, behind a retried one', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(503)]);
    const [e1, e2, e3] = [eventId(), eventId(), eventId()];
    await h.handle(newMessage(e1));
    await h.handle(newMessage(e2, OTHER_THREAD));
    await h.handle(newMessage(e3, THREAD, deskC.name));
    expect(h.attemptedIds()).toEqual([e1, e2, e3]);
    expect(h.attempts.map((a) => a.endpoint.name)).toEqual([deskA.name, deskA.name, deskC.name]);
    expect(await h.holds.get(deskA.name, OTHER_THREAD)).toBeUndefined();
    expect(await h.holds.get(deskC.name, THREAD)).toBeUndefined();
    expect(h.pending).toHaveLength(1);
  });

  it('drops another copy of the event being retried, and parks a redelivered parked one once', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(503)]);
    const [e1, e2] = [eventId(), eventId()];
    await h.handle(newMessage(e1));
    await h.handle({ ...newMessage(e1), messageId: 'a-second-fan-out' });
    await h.handle(newMessage(e2));
    await h.handle(newMessage(e2));
    expect(h.attemptedIds()).toEqual([e1]);
    await h.drain();
    expect(h.attemptedIds()).toEqual([e1, e1, e2]);
  });

  it('skips an attempt message the hold no longer waits for', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(503)]);
    const e1 = eventId();
    await h.handle(newMessage(e1));
    const before = await h.holds.get(deskA.name, THREAD);
    const [awaited] = h.pending;

    for (const stale of [
      { ...awaited, messageId: 'stale-0', message: { ...awaited.message, attempt: 0 } },
      { ...awaited, messageId: 'stale-2', message: { ...awaited.message, attempt: 2 } },
      { ...awaited, messageId: 'stale-other', message: { ...awaited.message, delivery: delivery(eventId()) } },
      // No hold at all for this conversation.
      { ...awaited, messageId: 'stale-no-hold', message: { ...awaited.message, delivery: delivery(e1, OTHER_THREAD) } },
    ]) {
      await h.handle(stale);
    }
    expect(h.attemptedIds()).toEqual([e1]);
    expect(h.sent).toHaveLength(1);
    expect(await h.holds.get(deskA.name, THREAD)).toEqual(before);

    // The awaited one is still taken; once it was, a second copy of it is stale too.
    await h.deliverNext();
    await h.handle(awaited);
    expect(h.attemptedIds()).toEqual([e1, e1]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
  });

  it('sends the awaited attempt again when the message that wrote the hold is redelivered, attempting nothing', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(503), answered(503)]);
    const first = newMessage(eventId());
    await h.handle(first);
    expect(h.sent).toHaveLength(1);
    await h.handle(first);
    expect(h.attempts).toHaveLength(1);
    expect(h.sent).toHaveLength(2);
    // The same message id: the queue's duplicate detection drops it if the first send did arrive.
    expect(h.sent[1]).toEqual(h.sent[0]);
    h.pending.pop(); // dropped by the queue's duplicate detection

    // The same for an attempt message that wrote the hold anew.
    const retry = await h.deliverNext();
    expect(h.attempts).toHaveLength(2);
    const written = h.pending.shift()!;
    await h.handle(retry);
    expect(h.attempts).toHaveLength(2);
    expect(h.pending).toEqual([written]);
    expect(written.message.attempt).toBe(2);
  });

  it('sends the awaited attempt again when the message that promoted a parked one is redelivered', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(503)]);
    const [e1, e2] = [eventId(), eventId()];
    await h.handle(newMessage(e1));
    await h.handle(newMessage(e2));
    const retry = await h.deliverNext();
    const promoted = h.pending.shift()!;
    expect(promoted.message.delivery.eventId).toBe(e2);
    await h.handle(retry);
    expect(h.pending).toEqual([promoted]);
    await h.drain();
    expect(h.attemptedIds()).toEqual([e1, e1, e2]);
  });

  it('leaves a hold whose attempt is lost to the sweep, which sends the attempt again under a new id', async () => {
    let at = NOW.getTime();
    const clock = () => new Date(at);
    const h = harness({ now: clock });
    h.answers.set(deskA.name, [answered(503)]);
    const [e1, e2] = [eventId(), eventId()];
    await h.handle(newMessage(e1));
    h.pending.length = 0; // the scheduled retry is lost
    at += 5_000 + 11 * 60_000;
    await h.handle(newMessage(e2));
    // Parking does not heal it: that is the sweep's, which finds it even when the conversation goes quiet.
    expect(h.pending).toEqual([]);
    const sweep = { holds: h.holds, queue: h.deps.queue, now: clock };
    expect(await resendOverdueAttempts(sweep, auditedLogger)).toBe(1);
    expect(h.pending).toHaveLength(1);
    expect(h.pending[0].message).toEqual({ kind: 'attempt', attempt: 1, delivery: delivery(e1) });
    expect(h.pending[0].messageId).not.toBe(h.sent[0].messageId);
    // Its time moved to now: the next run leaves it alone.
    expect(await resendOverdueAttempts(sweep, auditedLogger)).toBe(0);
    await h.drain();
    expect(h.attemptedIds()).toEqual([e1, e1, e2]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
  });

  it('sweeps nothing while every hold is within its time', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(503)]);
    await h.handle(newMessage(eventId()));
    expect(await resendOverdueAttempts({ holds: h.holds, queue: h.deps.queue, now }, auditedLogger)).toBe(0);
    expect(h.pending).toHaveLength(1);
  });

  it('disables an endpoint that answers 410 and keeps the delivery, until its url changes', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(410)]);
    const [e1, e2, e3] = [eventId(), eventId(), eventId()];
    await h.handle(newMessage(e1));
    expect(await h.gate.isDisabled(deskA)).toBe(true);
    expect(await h.gate.disabled([deskA, deskC])).toEqual([
      expect.objectContaining({ endpoint: deskA.name, eventId: e1, disabledAt: NOW.toISOString() }),
    ]);
    expect(await h.failures.list(deskA.name, 10)).toEqual([
      expect.objectContaining({ delivery: delivery(e1), attempts: 1, reason: 'endpoint_gone' }),
    ]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();

    await h.handle(newMessage(e2));
    await h.handle(newMessage(e3, OTHER_THREAD));
    expect(h.attemptedIds()).toEqual([e1]);
    expect(h.pending).toEqual([]);
    // Other endpoints go on.
    await h.handle(newMessage(e2, THREAD, deskC.name));
    expect(h.attemptedIds()).toEqual([e1, e2]);

    // The operator points it somewhere else: it is enabled again.
    const moved = { ...deskA, url: 'https://a2.example.com/hooks' };
    h.deps.endpoints = [moved, deskB, deskC];
    expect(await h.gate.isDisabled(moved)).toBe(false);
    const e4 = eventId();
    await h.handle(newMessage(e4));
    expect(h.attempts.at(-1)).toMatchObject({ endpoint: moved, id: e4 });
  });

  it('moves a hold on when its head is answered 410, and delivers nothing more to that endpoint', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(503), answered(410)]);
    const [e1, e2] = [eventId(), eventId()];
    await h.handle(newMessage(e1));
    await h.handle(newMessage(e2));
    await h.drain();
    expect(h.attemptedIds()).toEqual([e1, e1]);
    expect(await h.failures.list(deskA.name, 10)).toEqual([
      expect.objectContaining({ delivery: delivery(e1), attempts: 2, reason: 'endpoint_gone' }),
    ]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
  });

  it('keeps a delivery the endpoint refuses (400) at once, and moves the hold on', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(400), answered(503), answered(422)]);
    const [e1, e2, e3] = [eventId(), eventId(), eventId()];
    await h.handle(newMessage(e1));
    expect(h.pending).toEqual([]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();

    await h.handle(newMessage(e2));
    await h.handle(newMessage(e3));
    await h.drain();
    expect(h.attemptedIds()).toEqual([e1, e2, e2, e3]);
    const kept = await h.failures.list(deskA.name, 10);
    expect(kept.map((f) => [f.delivery.eventId, f.attempts, f.reason])).toEqual([
      [e1, 1, 'refused_by_endpoint'],
      [e2, 2, 'refused_by_endpoint'],
    ]);
    expect(kept[0].description).toContain('400');
    expect(kept[0].description).not.toContain(deskA.url);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
  });

  it('keeps a delivery the address policy refuses', async () => {
    const h = harness();
    const reason = 'Endpoint "Desk A" resolves to 10.0.0.7, a private address.';
    h.answers.set(deskA.name, [{ kind: 'refused', reason }]);
    const e1 = eventId();
    await h.handle(newMessage(e1));
    expect(await h.failures.list(deskA.name, 10)).toEqual([
      {
        delivery: delivery(e1),
        attempts: 1,
        reason: 'address_refused',
        description: reason,
        failedAt: NOW.toISOString(),
      },
    ]);
    expect(h.pending).toEqual([]);
  });

  it('keeps a delivery after the last attempt of the schedule, and the next one goes on', async () => {
    const h = harness({ retryScheduleMs: [0, 10, 20] });
    h.answers.set(deskA.name, [answered(503), answered(500), timeout]);
    const [e1, e2] = [eventId(), eventId()];
    await h.handle(newMessage(e1));
    await h.handle(newMessage(e2));
    expect(h.pending.map((p) => [p.message.attempt, p.dueAt])).toEqual([[1, new Date(NOW.getTime() + 10)]]);
    await h.deliverNext();
    expect(h.pending.map((p) => [p.message.attempt, p.dueAt])).toEqual([[2, new Date(NOW.getTime() + 20)]]);
    await h.deliverNext();
    // The third attempt was the last: e1 is kept and e2 is sent at once.
    expect(h.pending.map((p) => [p.message.delivery.eventId, p.message.attempt])).toEqual([[e2, 0]]);
    const kept = await h.failures.list(deskA.name, 10);
    expect(kept).toEqual([
      expect.objectContaining({ delivery: delivery(e1), attempts: 3, reason: 'retries_exhausted' }),
    ]);
    expect(kept[0].description).toContain('timeout');
    await h.drain();
    expect(h.attemptedIds()).toEqual([e1, e1, e1, e2]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
  });

  it('keeps a delivery for an endpoint no longer configured, without an attempt, and moves the hold on', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(503)]);
    const [e1, e2, e3] = [eventId(), eventId(), eventId()];
    await h.handle(newMessage(e1));
    await h.handle(newMessage(e2));
    h.deps.endpoints = [deskB, deskC];
    await h.drain();
    await h.handle(newMessage(e3));
    expect(h.attemptedIds()).toEqual([e1]);
    const kept = await h.failures.list(deskA.name, 10);
    expect(kept.map((f) => [f.delivery.eventId, f.attempts, f.reason])).toEqual([
      [e1, 2, 'endpoint_removed'],
      [e2, 1, 'endpoint_removed'],
      [e3, 1, 'endpoint_removed'],
    ]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
  });

  it('retries on the schedule while the signing secret is missing, and delivers once it is there', async () => {
    let missing = 2;
    const h = harness({ retryScheduleMs: [0, 10, 20, 30] });
    h.deps.secrets = {
      get: async (name) => {
        if (missing-- > 0) throw new AppError('secret_not_found', `The secret ${name} is not in Key Vault.`);
        return SECRET;
      },
      invalidate() {},
    };
    const e1 = eventId();
    await expect(h.handle(newMessage(e1))).resolves.toBeUndefined();
    expect(h.attempts).toEqual([]);
    expect(await h.holds.get(deskA.name, THREAD)).toMatchObject({ awaiting: { attempt: 1 }, lastOutcome: 'secret' });
    await h.deliverNext();
    expect(h.attempts).toEqual([]);
    expect(h.pending.map((p) => p.message.attempt)).toEqual([2]);
    await h.drain();
    expect(h.attemptedIds()).toEqual([e1]);
    expect(await h.failures.list(deskA.name, 10)).toEqual([]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
  });

  it('keeps a delivery whose secret stays missing past the schedule', async () => {
    const h = harness({ retryScheduleMs: [0, 10] });
    h.deps.secrets = {
      get: async () => Promise.reject(new AppError('secret_not_found', 'No such secret.')),
      invalidate() {},
    };
    const e1 = eventId();
    await h.handle(newMessage(e1));
    await h.drain();
    expect(h.attempts).toEqual([]);
    expect(await h.failures.list(deskA.name, 10)).toEqual([
      expect.objectContaining({ delivery: delivery(e1), attempts: 2, reason: 'retries_exhausted' }),
    ]);
  });

  it('lets any other failure of the secrets or the attempt through, for Service Bus to redeliver', async () => {
    const h = harness();
    h.deps.attempt = async () => Promise.reject(new Error('host stopping'));
    await expect(h.handle(newMessage(eventId()))).rejects.toThrow('host stopping');
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
  });

  it('refuses a body that is not a delivery message', async () => {
    const h = harness();
    await expect(handleWebhookDelivery('not json', 'm-1', h.deps, auditedLogger)).rejects.toBeInstanceOf(
      InvalidEventError,
    );
    await expect(
      handleWebhookDelivery({ kind: 'new', attempt: 0 }, 'm-2', h.deps, auditedLogger),
    ).rejects.toBeInstanceOf(InvalidEventError);
    const bad: DeliveryMessage = { kind: 'new', attempt: -1, delivery: delivery(eventId()) };
    await expect(handleWebhookDelivery(bad, 'm-3', h.deps, auditedLogger)).rejects.toBeInstanceOf(InvalidEventError);
    expect(h.attempts).toEqual([]);
  });
});

const customer = { digits: '15555550100', e164: '+15555550100' };
const support = { digits: '14252306549', e164: '+14252306549' };
const channelEvent = (fields: Record<string, unknown>): ChannelEvent =>
  channelEventSchema.parse({
    schemaVersion: 1,
    id: eventId(),
    at: '2026-12-07T09:59:58.000Z',
    account: 'TELESIGN-CUSTOMER-ID',
    threadId: THREAD,
    conversationId: `${THREAD}.2`,
    ...fields,
  });
const received = () =>
  channelEvent({
    type: 'message.received',
    messageId: `${THREAD}.2.1`,
    text: 'Hello 👋',
    segments: 1,
    encoding: 'UCS-2',
    inboundEventId: 'mo-1',
    referenceId: 'REF1',
    from: customer,
    to: support,
    telesignTimestamp: '2026-12-07T09:59:57Z',
    startedConversation: false,
    consent: { kind: 'none' },
  });

describe('fanOutWebhooks', () => {
  it('queues one copy per endpoint that wants the type, with the payload as its body', async () => {
    const h = harness();
    const event = received();
    const count = await fanOutWebhooks(event, { endpoints: h.deps.endpoints, queue: h.deps.queue, now }, auditedLogger);
    expect(count).toBe(2);
    const body = JSON.stringify(webhookPayloadOf(event));
    expect(h.sent).toEqual(
      [deskA, deskC].map((e) => ({
        messageId: fannedOutMessageId(e.name, event.id),
        message: {
          kind: 'new',
          attempt: 0,
          delivery: {
            endpoint: e.name,
            eventId: event.id,
            threadId: THREAD,
            type: 'message.received',
            body,
            committedAt: event.at,
          },
        },
      })),
    );
    expect(h.sent[0].dueAt ?? NOW).toEqual(NOW);
  });

  it('gives the same message ids when an event is fanned out again', async () => {
    const h = harness();
    const event = received();
    const deps = { endpoints: h.deps.endpoints, queue: h.deps.queue, now };
    await fanOutWebhooks(event, deps, auditedLogger);
    await fanOutWebhooks(event, deps, auditedLogger);
    const ids = h.sent.map((s) => s.messageId);
    expect(ids).toHaveLength(4);
    expect(ids.slice(2)).toEqual(ids.slice(0, 2));
    expect(new Set(ids.slice(0, 2)).size).toBe(2);
    expect(h.sent.slice(2)).toEqual(h.sent.slice(0, 2));
  });

  it('queues nothing when no endpoint wants the type', async () => {
    const h = harness();
    const count = await fanOutWebhooks(received(), { endpoints: [deskB], queue: h.deps.queue, now }, auditedLogger);
    expect(count).toBe(0);
    expect(h.sent).toEqual([]);
  });

  it('hands the handler what it delivers, byte for byte', async () => {
    const h = harness();
    const event = received();
    await fanOutWebhooks(event, { endpoints: h.deps.endpoints, queue: h.deps.queue, now }, auditedLogger);
    await h.drain();
    expect(h.attempts.map((a) => [a.endpoint.name, a.id, a.body])).toEqual([
      [deskA.name, event.id, JSON.stringify(webhookPayloadOf(event))],
      [deskC.name, event.id, JSON.stringify(webhookPayloadOf(event))],
    ]);
  });
});

describe('replayFailedDeliveries', () => {
  it('queues failed deliveries again under new ids, removes them from the failed ones, and names the unknown', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(400), answered(400), answered(400)]);
    const [e1, e2, e3] = [eventId(), eventId(), eventId()];
    for (const id of [e1, e2, e3]) await h.handle(newMessage(id, id === e3 ? OTHER_THREAD : THREAD));
    expect(await h.failures.list(deskA.name, 10)).toHaveLength(3);
    const deps = { failures: h.failures, queue: h.deps.queue, now };

    const unknown = eventId();
    const result = await replayFailedDeliveries(
      { endpoints: [deskA, deskC], eventIds: [e1, e3, unknown] },
      deps,
      auditedLogger,
    );
    expect(result.replayed.map((f) => f.delivery.eventId)).toEqual([e1, e3]);
    expect(result.notFound).toEqual([unknown]);
    expect(h.pending.map((p) => p.message)).toEqual([
      { kind: 'replay', attempt: 0, delivery: delivery(e1) },
      { kind: 'replay', attempt: 0, delivery: delivery(e3, OTHER_THREAD) },
    ]);
    const fannedOut = [e1, e3].map((id) => fannedOutMessageId(deskA.name, id));
    for (const p of h.pending) expect(fannedOut).not.toContain(p.messageId);
    expect((await h.failures.list(deskA.name, 10)).map((f) => f.delivery.eventId)).toEqual([e2]);

    // Delivered this time.
    await h.drain();
    expect(h.attemptedIds()).toEqual([e1, e2, e3, e1, e3]);
    expect((await h.failures.list(deskA.name, 10)).map((f) => f.delivery.eventId)).toEqual([e2]);

    // Everything left, under an id of its own each time.
    h.answers.set(deskA.name, [answered(400)]);
    const first = await replayFailedDeliveries({ endpoints: [deskA] }, deps, auditedLogger);
    expect(first).toMatchObject({ notFound: [] });
    expect(first.replayed.map((f) => f.delivery.eventId)).toEqual([e2]);
    await h.drain();
    expect((await h.failures.list(deskA.name, 10)).map((f) => f.delivery.eventId)).toEqual([e2]);
    await replayFailedDeliveries({ endpoints: [deskA] }, deps, auditedLogger);
    const replays = h.sent.filter((s) => s.message.kind === 'replay' && s.message.delivery.eventId === e2);
    expect(replays).toHaveLength(2);
    expect(replays[0].messageId).not.toBe(replays[1].messageId);
  });

  it('queues a replay behind what its conversation has waiting for the endpoint', async () => {
    const h = harness();
    h.answers.set(deskA.name, [answered(400), answered(503)]);
    const [e1, e2] = [eventId(), eventId()];
    await h.handle(newMessage(e1));
    await h.handle(newMessage(e2));
    await replayFailedDeliveries(
      { endpoints: [deskA] },
      { failures: h.failures, queue: h.deps.queue, now },
      auditedLogger,
    );
    // The replay is due at once, before the retry of e2: it finds the hold and waits behind it.
    const replay = await h.deliverNext();
    expect(replay.message.kind).toBe('replay');
    expect(h.attemptedIds()).toEqual([e1, e2]);
    expect((await h.holds.firstParked(deskA.name, THREAD))?.delivery).toEqual(delivery(e1));
    await h.drain();
    expect(h.attemptedIds()).toEqual([e1, e2, e2, e1]);
    expect(await h.failures.list(deskA.name, 10)).toEqual([]);
    expect(await h.holds.get(deskA.name, THREAD)).toBeUndefined();
  });
});
