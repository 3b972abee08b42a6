import { AppError, isAppError } from '../errors';
import type { SecretProvider } from './secretProvider';

/** Where values come from on a cache miss: Key Vault in Azure, settings locally. */
export interface SecretSource {
  fetch(name: string): Promise<string>;
}

export interface CachedSecretProviderOptions {
  /** How long a value is trusted without asking the source again. Default 10 minutes. */
  ttlMs?: number;
  /** Injected clock, so tests can expire entries without waiting. */
  now?: () => number;
}

const DEFAULT_TTL_MS = 10 * 60 * 1000;

interface Entry {
  value: string;
  expiresAt: number;
}

interface Flight {
  promise: Promise<string>;
  generation: number;
}

export function createCachedSecretProvider(
  source: SecretSource,
  options: CachedSecretProviderOptions = {},
): SecretProvider {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError('ttlMs must be a non-negative number');
  const now = options.now ?? Date.now;

  const cache = new Map<string, Entry>();
  const flights = new Map<string, Flight>();
  // Bumped by invalidate: a fetch that started under an older generation may have read the value that was
  // just rotated away, so its result must not land in the cache.
  const generations = new Map<string, number>();
  const generationOf = (name: string) => generations.get(name) ?? 0;

  // Called synchronously so the source call is under way when get returns; a source that throws instead of
  // rejecting is turned into a rejection.
  function callSource(name: string): Promise<string> {
    try {
      return source.fetch(name);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  function startFetch(name: string): Promise<string> {
    const generation = generationOf(name);
    const promise: Promise<string> = callSource(name)
      .then(
        (value) => {
          if (generationOf(name) === generation) cache.set(name, { value, expiresAt: now() + ttlMs });
          return value;
        },
        (err: unknown) => {
          // Callers are promised AppError codes; a source that leaks something else is still "unavailable".
          if (isAppError(err)) throw err;
          throw new AppError('secrets_unavailable', `Could not read secret '${name}'`, undefined, { cause: err });
        },
      )
      .finally(() => {
        if (flights.get(name)?.promise === promise) flights.delete(name);
      });
    flights.set(name, { promise, generation });
    return promise;
  }

  return {
    get(name: string): Promise<string> {
      const entry = cache.get(name);
      if (entry) {
        if (now() < entry.expiresAt) return Promise.resolve(entry.value);
        cache.delete(name);
      }
      const flight = flights.get(name);
      if (flight && flight.generation === generationOf(name)) return flight.promise;
      return startFetch(name);
    },

    invalidate(name: string, rejected?: string): void {
      if (rejected !== undefined) {
        const entry = cache.get(name);
        if (entry && entry.value !== rejected) return;
        // Nobody holds the value of a read that has not finished, so it cannot be the one refused.
        if (!entry && flights.get(name)?.generation === generationOf(name)) return;
      }
      cache.delete(name);
      generations.set(name, generationOf(name) + 1);
      // Forget the in-flight read so the next get asks the source afresh; those already waiting on it
      // still get its answer.
      flights.delete(name);
    },
  };
}
