import { type DynamicsError, isDynamicsError } from '../dynamics/dynamicsError';
import { DeadLetterError } from '../errors';
import type { Logger } from '../log';

/**
 * How the relay calls the Messaging API (docs/dynamics-protocol.md §3.6): a throttled or unavailable Dynamics is
 * retried here, with exponential backoff and jitter and never sooner than its Retry-After, for a bounded time;
 * past it the error goes back to Service Bus, which redelivers the event (the session keeps the thread's order
 * and leaves other threads alone). A refusal no retry can fix becomes a DeadLetterError naming Dynamics' code and
 * correlation id.
 */
export interface DynamicsRetryOptions {
  /** Total pause allowed inside one handler run. Default 30 s. */
  retryBudgetMs?: number;
  /** First backoff pause. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest backoff pause without a Retry-After. Default 8 s. */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const isTransient = (e: DynamicsError) => e.kind === 'rate_limited' || e.kind === 'unavailable';

export async function callDynamics<T>(
  what: string,
  call: () => Promise<T>,
  logger: Logger,
  options: DynamicsRetryOptions = {},
): Promise<T> {
  const budget = options.retryBudgetMs ?? 30_000;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 8_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  let waited = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isDynamicsError(error)) throw error;
      if (error.kind === 'rejected') {
        logger.error('Dynamics refused the call; dead-lettered', { what, ...error.toLog() });
        throw new DeadLetterError('dynamics_rejected', refusal(what, error), { cause: error });
      }
      if (!isTransient(error)) throw error;
      // Full jitter on the backoff, so that throttled threads do not come back in step; Retry-After is a floor.
      const backoff = Math.round(random() * Math.min(max, base * 2 ** attempt));
      const delay = Math.max(backoff, (error.retryAfterSeconds ?? 0) * 1000);
      if (waited + delay > budget) {
        logger.warn('Dynamics still unavailable; left for redelivery', {
          what,
          attempts: attempt + 1,
          ...error.toLog(),
        });
        throw error;
      }
      waited += delay;
      await sleep(delay);
    }
  }
}

function refusal(what: string, error: DynamicsError): string {
  const code = error.dynamicsCode === undefined ? 'no code' : `code ${error.dynamicsCode}`;
  const status = error.httpStatus === undefined ? '' : `HTTP ${error.httpStatus}, `;
  const correlation = error.correlationId ? `, correlation id ${error.correlationId}` : '';
  return `Dynamics refused ${what} (${status}${code}${correlation}).`;
}
