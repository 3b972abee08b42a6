import { type DynamicsError, isDynamicsError } from '../dynamics/dynamicsError';
import { DeadLetterError } from '../errors';
import type { Logger } from '../log';
import { withBackoff } from './backoff';

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

const isTransient = (e: DynamicsError) => e.kind === 'rate_limited' || e.kind === 'unavailable';

export function callDynamics<T>(
  what: string,
  call: () => Promise<T>,
  logger: Logger,
  options: DynamicsRetryOptions = {},
): Promise<T> {
  return withBackoff(
    call,
    (error) => {
      if (!isDynamicsError(error)) return undefined;
      if (error.kind === 'rejected') {
        logger.error('Dynamics refused the call; dead-lettered', { what, ...error.toLog() });
        throw new DeadLetterError('dynamics_rejected', refusal(what, error), { cause: error });
      }
      // Retry-After is a floor under the backoff.
      return isTransient(error) ? { floorMs: (error.retryAfterSeconds ?? 0) * 1000 } : undefined;
    },
    (error, attempts) =>
      logger.warn('Dynamics still unavailable; left for redelivery', {
        what,
        attempts,
        ...(error as DynamicsError).toLog(),
      }),
    {
      budgetMs: options.retryBudgetMs ?? 30_000,
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 8_000,
      sleep: options.sleep,
      random: options.random,
    },
  );
}

function refusal(what: string, error: DynamicsError): string {
  const code = error.dynamicsCode === undefined ? 'no code' : `code ${error.dynamicsCode}`;
  const status = error.httpStatus === undefined ? '' : `HTTP ${error.httpStatus}, `;
  const correlation = error.correlationId ? `, correlation id ${error.correlationId}` : '';
  return `Dynamics refused ${what} (${status}${code}${correlation}).`;
}
