/**
 * Retrying inside one handler run, for failures that pass (docs/architecture.md §Retries inside a handler): Service
 * Bus redelivers a thrown message at once, so without a pause here a short outage would spend the whole delivery
 * count in seconds. Exponential backoff with full jitter, so that sessions that failed together do not come back
 * in step; a failure may ask for a longer pause (a Retry-After); past the budget the failure goes back to the
 * trigger.
 */
export interface BackoffOptions {
  /** Total pause allowed inside one run. */
  budgetMs?: number;
  /** First pause (before jitter). */
  baseDelayMs?: number;
  /** Longest pause (before jitter), unless the failure asks for more. */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Retry after at least `floorMs` (0 if absent); `undefined`: not a failure that passes, throw it at once. */
export type RetryDecision = { floorMs?: number } | undefined;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withBackoff<T>(
  call: () => Promise<T>,
  decide: (error: unknown) => RetryDecision,
  giveUp: (error: unknown, attempts: number) => void,
  options: Required<Pick<BackoffOptions, 'budgetMs' | 'baseDelayMs' | 'maxDelayMs'>> & BackoffOptions,
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  let waited = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const decision = decide(error);
      if (!decision) throw error;
      const backoff = Math.round(random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt));
      const delay = Math.max(backoff, decision.floorMs ?? 0);
      if (waited + delay > options.budgetMs) {
        giveUp(error, attempt + 1);
        throw error;
      }
      waited += delay;
      await sleep(delay);
    }
  }
}
