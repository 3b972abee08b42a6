import { AppError } from '../errors';

/**
 * Runs read-decide-write attempts until one commits without a conflict. Bounded: past the bound the error
 * goes back to Service Bus, which redelivers the event later. The random pause spreads competing writers
 * out, so that a burst on one thread converges instead of colliding again in lockstep.
 */
export type Attempt<T> = { committed: true; value: T } | { committed: false };

/** An attempt that ends the loop with this value: it committed, or found it had nothing to write. */
export const done = <T>(value: T): Attempt<T> => ({ committed: true, value });

export interface RetryOptions {
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `attempt` gets its number, from 1: a first try may skip a read that only a conflict makes worth it. */
export async function withOptimisticRetry<T>(
  attempt: (n: number) => Promise<Attempt<T>>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 64;
  const sleep = options.sleep ?? defaultSleep;
  for (let i = 1; i <= maxAttempts; i++) {
    const result = await attempt(i);
    if (result.committed) return result.value;
    await sleep(Math.random() * Math.min(5 * i, 100));
  }
  throw new AppError('storage_unavailable', `The thread kept changing under us: ${maxAttempts} attempts conflicted.`);
}
