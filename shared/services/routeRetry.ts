import { AppError, isTransient } from '../errors';
import type { Logger } from '../log';
import { type BackoffOptions, withBackoff } from './backoff';

/**
 * The router's own retry of a failure that passes (storage or the topic unavailable), inside one delivery
 * (docs/architecture.md §Retries inside a handler). Applying an event is idempotent (its marker), so a retry is
 * safe. The budget stays well inside the session lock's renewal (host.json `maxAutoLockRenewalDuration`, 5 min;
 * `functionTimeout` 4 min): a thread waits for its storage, other threads go on in their sessions.
 */
export const ROUTE_RETRY_DEFAULTS = { budgetMs: 60_000, baseDelayMs: 500, maxDelayMs: 15_000 };

export function routeWithRetry<T>(
  run: () => Promise<T>,
  logger: Logger,
  options: BackoffOptions = {},
  /** What the lines name (the event's id), so an operator can tell which event waited. */
  about: Record<string, unknown> = {},
): Promise<T> {
  return withBackoff(
    run,
    (error) => {
      const code = transientCodeIn(error);
      if (code) logger.info('a dependency is unavailable; retrying inside this delivery', { ...about, code });
      return code ? {} : undefined;
    },
    (error, attempts) =>
      logger.warn('a dependency is still unavailable after retries; the event is left for redelivery', {
        ...about,
        attempts,
        code: transientCodeIn(error),
      }),
    { ...ROUTE_RETRY_DEFAULTS, ...options },
  );
}

/** The code of a passing failure, in the error or among the reactions' failures. */
function transientCodeIn(error: unknown): string | undefined {
  if (error instanceof AppError) return isTransient(error.code) ? error.code : undefined;
  if (error instanceof AggregateError) return error.errors.map(transientCodeIn).find((code) => code !== undefined);
  return undefined;
}
