/**
 * A rotated Telesign key is only discovered when Telesign answers 401 to the cached one. Dropping the cached value
 * and trying once more picks up the new key; a second 401 means the stored key itself is wrong, which retrying
 * cannot fix, so that error goes to the caller.
 */
import type { SecretProvider } from '../secrets/secretProvider';
import { TelesignError } from './telesignError';

/**
 * `fn` must read the key through `secrets` itself (e.g. a client built with `getApiKey: () => secrets.get(name)`),
 * so its second run sees the fresh value. Only safe around calls that did not send anything on a 401, which holds
 * for Telesign: a refused request is not processed.
 */
export async function withKeyRefreshOn401<T>(
  secrets: SecretProvider,
  secretName: string,
  fn: () => Promise<T>,
): Promise<T> {
  // The value fn is about to use (a cache hit), so a 401 drops only that value: when another caller has already
  // refreshed it, the retry uses the fresh one without a second read.
  const used = await secrets.get(secretName);
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof TelesignError) || error.kind !== 'unauthorized') throw error;
    secrets.invalidate(secretName, used);
    return fn();
  }
}
