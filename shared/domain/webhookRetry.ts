/**
 * When a webhook delivery is tried again, and what an endpoint's answer means. The schedule is the Standard
 * Webhooks specification's: each pause starts when the attempt before it failed, so the last attempt comes about
 * 27 hours and 35 minutes after the first, which covers an endpoint that is down for a day.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The pause before each attempt: the first is immediate, then the seven retries. */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
];

export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_SCHEDULE_MS.length;

/**
 * ±10 %: enough that the retries of many events that failed together (one endpoint down for every conversation)
 * do not all come back in the same second, small enough that the schedule stays the one the docs promise.
 */
export const WEBHOOK_RETRY_JITTER = 0.1;

/**
 * The pause before the next attempt, given how many attempts were made so far (0: none yet, so the first one goes
 * at once); undefined once the last attempt was made, when the delivery is dead-lettered. `random` returns a
 * number in [0, 1), like Math.random, and is passed in so that a test can pin it; so is the schedule, which a test
 * shortens.
 */
export function nextAttemptDelayMs(
  attemptsMade: number,
  random: () => number,
  schedule: readonly number[] = WEBHOOK_RETRY_SCHEDULE_MS,
): number | undefined {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 0) {
    throw new RangeError(`attemptsMade must be a whole number from 0, not ${attemptsMade}`);
  }
  if (attemptsMade >= schedule.length) return undefined;
  const base = schedule[attemptsMade];
  const r = random();
  if (!(r >= 0 && r <= 1)) throw new RangeError(`random() must return a number from 0 to 1, not ${r}`);
  return Math.round(base * (1 + WEBHOOK_RETRY_JITTER * (2 * r - 1)));
}

/** What an attempt came to: an HTTP status, no answer within the timeout, or no connection at all. */
export type AttemptOutcome = number | 'timeout' | 'network';

/**
 * - `delivered`: the endpoint took it.
 * - `disable`: 410 Gone is the specification's way for an endpoint to say it wants no more deliveries.
 * - `retry`: the endpoint may take it later (overloaded, down, slow, unreachable).
 * - `failed`: it refused this delivery and will refuse it again: retrying would only repeat the answer. That
 *   includes 3xx, since redirects are not followed (a redirect could point the signed body anywhere).
 */
export type AttemptVerdict = 'delivered' | 'disable' | 'retry' | 'failed';

export function classifyResponse(outcome: AttemptOutcome): AttemptVerdict {
  if (outcome === 'timeout' || outcome === 'network') return 'retry';
  if (!Number.isInteger(outcome) || outcome < 100 || outcome > 999) {
    throw new RangeError(`an HTTP status is a whole number from 100 to 999, not ${outcome}`);
  }
  if (outcome >= 200 && outcome <= 299) return 'delivered';
  if (outcome === 410) return 'disable';
  // Above 599 only a broken server or proxy answers: treated like the 5xx it most likely stands for.
  if (outcome === 408 || outcome === 429 || outcome >= 500) return 'retry';
  // 1xx as a final answer is a broken server that will not mend by itself any more than a 4xx would.
  return 'failed';
}
