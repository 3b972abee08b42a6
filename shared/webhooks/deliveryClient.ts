import type { LookupFunction } from 'node:net';

import { type AttemptVerdict, classifyResponse } from '../domain/webhookRetry';
import { type DeliveryMode, planConnection, type Resolve } from './connectionPlan';
import type { WebhookEndpoint } from './endpointSettings';
import { type Exchange, exchange } from './httpExchange';
import { signDelivery } from './signature';

/**
 * One delivery attempt of one event to one endpoint (docs/architecture.md §Outbound webhooks): signed anew, sent once, never redirected,
 * and always settled within the attempt's timeout. Over node:http rather than fetch, because only there can the
 * socket be given the pinned lookup that the address policy needs (connectionPlan.ts). The endpoint is named by
 * `name` in every reason: its URL's query can hold a credential (Power Automate's `sig`).
 */

export interface DeliveryAttempt {
  endpoint: Pick<WebhookEndpoint, 'name' | 'url'>;
  /** The `webhook-id`: the channel event id, the same on every retry. */
  id: string;
  /** The JSON body, sent and signed byte for byte as given. */
  body: string;
  /** One `whsec_` secret, or two while it is rotated. */
  secrets: readonly string[];
  timeoutMs: number;
}

export interface DeliveryDeps {
  /** The signature's timestamp; durations come from a monotonic clock, so a pinned `now` does not skew them. */
  now: () => Date;
  mode: DeliveryMode;
  resolve?: Resolve;
  /** Cancels the attempt (the host stopping): the promise rejects with the signal's reason, as fetch does. */
  signal?: AbortSignal;
}

export type DeliveryResult =
  /** `bytesRead`: how much of the body was consumed, at most the cap; the body itself is never kept. */
  | { kind: 'answered'; status: number; bytesRead: number; durationMs: number }
  | { kind: 'timeout'; durationMs: number }
  | { kind: 'network'; reason: string; durationMs: number }
  | { kind: 'refused'; reason: string };

export type DeliveryOutcome = AttemptVerdict | 'refused';

export const WEBHOOK_USER_AGENT = 'telesign-sms-channel-webhooks (Standard Webhooks)';

/** What becomes of the delivery after this attempt; `refused` is the address policy's, which no retry changes. */
export function outcomeOf(result: DeliveryResult): DeliveryOutcome {
  switch (result.kind) {
    case 'answered':
      return classifyResponse(result.status);
    case 'timeout':
    case 'network':
      return classifyResponse(result.kind);
    case 'refused':
      return 'refused';
  }
}

/** The URL, or why it cannot be called; its text never enters the reason. */
function endpointUrl({ name, url }: DeliveryAttempt['endpoint'], mode: DeliveryMode): URL | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `endpoint "${name}" has no valid URL`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return `endpoint "${name}" has a ${parsed.protocol} URL; only http(s) is delivered to`;
  }
  // The settings refuse it already; checked again because a plain POST in Azure would expose body and signature.
  if (mode === 'azure' && parsed.protocol === 'http:') return `endpoint "${name}" uses plain http, refused in Azure`;
  return parsed;
}

const TIMED_OUT = Symbol('webhook attempt timed out');

/** Rejects once the signal aborts, so that a DNS lookup that cannot itself be cancelled does not hold the attempt. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export async function deliverOnce(attempt: DeliveryAttempt, deps: DeliveryDeps): Promise<DeliveryResult> {
  const { timeoutMs } = attempt;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new RangeError(`timeoutMs must be positive, not ${timeoutMs}`);
  deps.signal?.throwIfAborted();
  const url = endpointUrl(attempt.endpoint, deps.mode);
  if (typeof url === 'string') return { kind: 'refused', reason: url };
  // A bad secret throws here, before any connection: it is a configuration error, not the endpoint's answer.
  const headers = {
    ...signDelivery({ id: attempt.id, timestamp: deps.now(), body: attempt.body, secrets: attempt.secrets }),
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(attempt.body)),
    'user-agent': WEBHOOK_USER_AGENT,
  };

  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs);
  const parent = deps.signal;
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  try {
    let lookup: LookupFunction | undefined;
    try {
      const plan = await untilAborted(
        planConnection(url, { mode: deps.mode, name: attempt.endpoint.name, resolve: deps.resolve }),
        controller.signal,
      );
      if (plan.kind === 'refused') return plan;
      if (plan.kind === 'network') return { ...plan, durationMs: elapsed() };
      lookup = plan.lookup;
    } catch (error) {
      if (controller.signal.reason === TIMED_OUT) return { kind: 'timeout', durationMs: elapsed() };
      throw error;
    }
    const answer: Exchange = await exchange({ url, headers, body: attempt.body, lookup, signal: controller.signal });
    if (answer.kind === 'answered') return { ...answer, durationMs: elapsed() };
    if (answer.kind === 'failed') return { kind: 'network', reason: answer.reason, durationMs: elapsed() };
    if (controller.signal.reason === TIMED_OUT) return { kind: 'timeout', durationMs: elapsed() };
    throw parent?.reason;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}
