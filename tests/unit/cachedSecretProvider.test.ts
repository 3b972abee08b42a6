import { AppError } from '../../shared/errors';
import { createCachedSecretProvider, type SecretSource } from '../../shared/secrets/cachedSecretProvider';
import { createSettingsSecretSource } from '../../shared/secrets/settingsSecretSource';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A source whose answers the test hands out one by one, recording each call. */
function scriptedSource() {
  const calls: Deferred<string>[] = [];
  const source: SecretSource = {
    fetch: jest.fn(() => {
      const d = deferred<string>();
      calls.push(d);
      return d.promise;
    }),
  };
  return { source, calls };
}

/** A source answering from a mutable value, immediately. */
function valueSource(initial: string) {
  const state = { value: initial, calls: 0 };
  const source: SecretSource = {
    async fetch() {
      state.calls++;
      return state.value;
    },
  };
  return { source, state };
}

describe('createCachedSecretProvider', () => {
  it('serves from cache until the TTL passes, then reads again', async () => {
    let clock = 1_000;
    const { source, state } = valueSource('k1');
    const provider = createCachedSecretProvider(source, { ttlMs: 60_000, now: () => clock });

    await expect(provider.get('api-key')).resolves.toBe('k1');
    state.value = 'k2';
    clock += 59_999;
    await expect(provider.get('api-key')).resolves.toBe('k1');
    expect(state.calls).toBe(1);

    clock += 1;
    await expect(provider.get('api-key')).resolves.toBe('k2');
    expect(state.calls).toBe(2);
  });

  it('defaults to a 10 minute TTL', async () => {
    let clock = 0;
    const { source, state } = valueSource('k1');
    const provider = createCachedSecretProvider(source, { now: () => clock });
    await provider.get('a');
    clock = 10 * 60 * 1000 - 1;
    await provider.get('a');
    expect(state.calls).toBe(1);
    clock = 10 * 60 * 1000;
    await provider.get('a');
    expect(state.calls).toBe(2);
  });

  it('caches each name separately', async () => {
    const source: SecretSource = { fetch: jest.fn(async (name: string) => `value-of-${name}`) };
    const provider = createCachedSecretProvider(source);
    await expect(provider.get('a')).resolves.toBe('value-of-a');
    await expect(provider.get('b')).resolves.toBe('value-of-b');
    await provider.get('a');
    expect(source.fetch).toHaveBeenCalledTimes(2);
  });

  it('shares one source call among concurrent misses for the same name', async () => {
    const { source, calls } = scriptedSource();
    const provider = createCachedSecretProvider(source);

    const pending = Array.from({ length: 20 }, () => provider.get('api-key'));
    expect(source.fetch).toHaveBeenCalledTimes(1);
    calls[0].resolve('k1');
    await expect(Promise.all(pending)).resolves.toEqual(Array(20).fill('k1'));

    await expect(provider.get('api-key')).resolves.toBe('k1');
    expect(source.fetch).toHaveBeenCalledTimes(1);
  });

  it('shares a failure among concurrent misses but does not cache it', async () => {
    const { source, calls } = scriptedSource();
    const provider = createCachedSecretProvider(source);

    const first = provider.get('api-key');
    const second = provider.get('api-key');
    calls[0].reject(new AppError('secrets_unavailable', 'vault down'));
    await expect(first).rejects.toMatchObject({ code: 'secrets_unavailable' });
    await expect(second).rejects.toMatchObject({ code: 'secrets_unavailable' });
    expect(source.fetch).toHaveBeenCalledTimes(1);

    const retry = provider.get('api-key');
    expect(source.fetch).toHaveBeenCalledTimes(2);
    calls[1].resolve('k1');
    await expect(retry).resolves.toBe('k1');
  });

  it('keeps AppError codes from the source and wraps anything else as secrets_unavailable', async () => {
    const provider = createCachedSecretProvider(createSettingsSecretSource({}));
    await expect(provider.get('missing')).rejects.toMatchObject({ code: 'secret_not_found' });

    const throwing = createCachedSecretProvider({
      fetch() {
        throw new Error('boom');
      },
    });
    const err = await throwing.get('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'secrets_unavailable' });
  });

  it('invalidate makes the next get read the source again', async () => {
    const { source, state } = valueSource('k1');
    const provider = createCachedSecretProvider(source);
    await expect(provider.get('api-key')).resolves.toBe('k1');

    state.value = 'k2';
    provider.invalidate('api-key');
    await expect(provider.get('api-key')).resolves.toBe('k2');
    await expect(provider.get('api-key')).resolves.toBe('k2');
    expect(state.calls).toBe(2);
  });

  it('invalidate of one name leaves the others cached', async () => {
    const source: SecretSource = { fetch: jest.fn(async (name: string) => name) };
    const provider = createCachedSecretProvider(source);
    await provider.get('a');
    await provider.get('b');
    provider.invalidate('a');
    await provider.get('b');
    expect(source.fetch).toHaveBeenCalledTimes(2);
  });

  it('a fetch in flight when invalidate is called does not repopulate the cache with its stale value', async () => {
    const { source, calls } = scriptedSource();
    const provider = createCachedSecretProvider(source);

    const stale = provider.get('api-key');
    provider.invalidate('api-key');

    // The next get starts its own read rather than joining the one that may hold the rotated-away key.
    const fresh = provider.get('api-key');
    expect(source.fetch).toHaveBeenCalledTimes(2);

    // The old read finishing last must not overwrite the fresh value.
    calls[1].resolve('new');
    await expect(fresh).resolves.toBe('new');
    calls[0].resolve('old');
    await expect(stale).resolves.toBe('old');

    await expect(provider.get('api-key')).resolves.toBe('new');
    expect(source.fetch).toHaveBeenCalledTimes(2);
  });

  it('a stale in-flight fetch finishing after invalidate leaves the cache empty', async () => {
    const { source, calls } = scriptedSource();
    const provider = createCachedSecretProvider(source);

    const stale = provider.get('api-key');
    provider.invalidate('api-key');
    calls[0].resolve('old');
    await expect(stale).resolves.toBe('old');

    const next = provider.get('api-key');
    expect(source.fetch).toHaveBeenCalledTimes(2);
    calls[1].resolve('new');
    await expect(next).resolves.toBe('new');
  });

  it('two callers refused with the same value at once cost one read (the second joins the first refresh)', async () => {
    const { source, calls } = scriptedSource();
    const provider = createCachedSecretProvider(source);
    const first = provider.get('api-key');
    calls[0].resolve('old');
    const used = await first;

    provider.invalidate('api-key', used);
    const refreshing = provider.get('api-key');
    provider.invalidate('api-key', used);
    const joined = provider.get('api-key');
    expect(source.fetch).toHaveBeenCalledTimes(2);
    calls[1].resolve('new');
    await expect(refreshing).resolves.toBe('new');
    await expect(joined).resolves.toBe('new');

    // A refusal of the old value reported after the refresh landed keeps the new one.
    provider.invalidate('api-key', used);
    await expect(provider.get('api-key')).resolves.toBe('new');
    expect(source.fetch).toHaveBeenCalledTimes(2);
  });

  it('a refusal of the value the cache holds drops it', async () => {
    const { source, state } = valueSource('k1');
    const provider = createCachedSecretProvider(source);
    const used = await provider.get('api-key');
    state.value = 'k2';
    provider.invalidate('api-key', used);
    await expect(provider.get('api-key')).resolves.toBe('k2');
    expect(state.calls).toBe(2);
  });

  it('rejects a negative TTL', () => {
    expect(() => createCachedSecretProvider(valueSource('x').source, { ttlMs: -1 })).toThrow(RangeError);
  });
});

describe('createSettingsSecretSource', () => {
  it('returns configured values and treats unknown or empty names as not found', async () => {
    const source = createSettingsSecretSource({ 'telesign-api-key': 'abc', blank: '' });
    await expect(source.fetch('telesign-api-key')).resolves.toBe('abc');
    await expect(source.fetch('nope')).rejects.toMatchObject({ code: 'secret_not_found' });
    await expect(source.fetch('blank')).rejects.toMatchObject({ code: 'secret_not_found' });
    await expect(source.fetch('toString')).rejects.toMatchObject({ code: 'secret_not_found' });
  });
});
