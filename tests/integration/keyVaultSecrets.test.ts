import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';

import { AppError } from '../../shared/errors';
import { createCachedSecretProvider } from '../../shared/secrets/cachedSecretProvider';
import { createKeyVaultSecretClient, createKeyVaultSecretSource } from '../../shared/secrets/keyVaultSecretSource';
import type { SecretProvider } from '../../shared/secrets/secretProvider';
import { type FakeKeyVault, startFakeKeyVault, staticTokenCredential } from '../support/fakeKeyVault';

const KEY_V1 = 'telesign-key-v1-c29tZS1zZWNyZXQ';
const KEY_V2 = 'telesign-key-v2-cm90YXRlZC1rZXk';

describe('Key Vault secrets through the real SecretClient', () => {
  let vault: FakeKeyVault;

  beforeAll(async () => {
    vault = await startFakeKeyVault({ 'telesign-api-key': KEY_V1 });
  });

  afterAll(async () => {
    await vault.close();
  });

  // A fresh client and cache per test, so no test leans on another's warm cache.
  function newProvider(): SecretProvider {
    const client = createKeyVaultSecretClient({
      vaultUrl: vault.url,
      credential: staticTokenCredential,
      allowInsecureConnection: true,
    });
    return createCachedSecretProvider(createKeyVaultSecretSource(client));
  }

  async function errorOf(p: Promise<unknown>): Promise<AppError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }

  function expectNoSecretIn(err: AppError) {
    const text = [err.message, JSON.stringify(err.details ?? null), String(err.stack)].join('\n');
    for (const secret of [KEY_V1, KEY_V2]) expect(text).not.toContain(secret);
  }

  it('100 gets cost one vault read', async () => {
    const provider = newProvider();
    const before = vault.readCount('telesign-api-key');

    const first = await Promise.all(Array.from({ length: 50 }, () => provider.get('telesign-api-key')));
    const rest: string[] = [];
    for (let i = 0; i < 50; i++) rest.push(await provider.get('telesign-api-key'));

    expect(new Set([...first, ...rest])).toEqual(new Set([KEY_V1]));
    expect(vault.readCount('telesign-api-key') - before).toBe(1);
  });

  it('after rotation and invalidate, the new value is read with one more read', async () => {
    vault.setSecret('rotating-key', KEY_V1);
    const provider = newProvider();
    await expect(provider.get('rotating-key')).resolves.toBe(KEY_V1);

    vault.setSecret('rotating-key', KEY_V2);
    // Still cached: the rotation is not seen until someone invalidates.
    await expect(provider.get('rotating-key')).resolves.toBe(KEY_V1);
    expect(vault.readCount('rotating-key')).toBe(1);

    provider.invalidate('rotating-key');
    await expect(provider.get('rotating-key')).resolves.toBe(KEY_V2);
    await expect(provider.get('rotating-key')).resolves.toBe(KEY_V2);
    expect(vault.readCount('rotating-key')).toBe(2);
  });

  it('an unknown secret is secret_not_found', async () => {
    const err = await errorOf(newProvider().get('no-such-secret'));
    expect(err.code).toBe('secret_not_found');
    expect(err.message).toContain('no-such-secret');
  });

  it('a stopped vault on a cold cache is secrets_unavailable, and recovers when the vault is back', async () => {
    const provider = newProvider();
    await vault.stop();
    try {
      const err = await errorOf(provider.get('telesign-api-key'));
      expect(err.code).toBe('secrets_unavailable');
      expectNoSecretIn(err);
    } finally {
      await vault.resume();
    }
    // The failure was not cached.
    await expect(provider.get('telesign-api-key')).resolves.toBe(KEY_V1);
  });

  it('a warm cache keeps serving while the vault is down', async () => {
    const provider = newProvider();
    await expect(provider.get('telesign-api-key')).resolves.toBe(KEY_V1);
    await vault.stop();
    try {
      await expect(provider.get('telesign-api-key')).resolves.toBe(KEY_V1);
    } finally {
      await vault.resume();
    }
  });

  it('a token the vault refuses is secrets_unavailable', async () => {
    const client = createKeyVaultSecretClient({
      vaultUrl: vault.url,
      credential: { getToken: async () => ({ token: 'wrong', expiresOnTimestamp: Date.now() + 3_600_000 }) },
      allowInsecureConnection: true,
    });
    const err = await errorOf(createCachedSecretProvider(createKeyVaultSecretSource(client)).get('telesign-api-key'));
    expect(err.code).toBe('secrets_unavailable');
    expectNoSecretIn(err);
  });

  it('a credential that cannot get a token is secrets_unavailable', async () => {
    const client = createKeyVaultSecretClient({
      vaultUrl: vault.url,
      credential: {
        getToken: async () => {
          throw new Error('no identity available');
        },
      },
      allowInsecureConnection: true,
    });
    const err = await errorOf(createKeyVaultSecretSource(client).fetch('telesign-api-key'));
    expect(err.code).toBe('secrets_unavailable');
  });

  it('no error message carries a secret value', async () => {
    const provider = newProvider();
    await expect(provider.get('telesign-api-key')).resolves.toBe(KEY_V1);
    expectNoSecretIn(await errorOf(provider.get('missing-one')));
  });

  it('a vault that accepts connections but never answers fails at the call deadline', async () => {
    const sockets: Socket[] = [];
    const blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blackHole.address() as AddressInfo;
      const client = createKeyVaultSecretClient({
        vaultUrl: `http://127.0.0.1:${port}`,
        credential: staticTokenCredential,
        allowInsecureConnection: true,
        callDeadlineMs: 300,
      });
      const err = await errorOf(createKeyVaultSecretSource(client).fetch('telesign-api-key'));
      expect(err.code).toBe('secrets_unavailable');
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });

  it('a credential that never answers fails at the call deadline', async () => {
    const client = createKeyVaultSecretClient({
      vaultUrl: vault.url,
      credential: { getToken: () => new Promise(() => undefined) },
      allowInsecureConnection: true,
      callDeadlineMs: 300,
    });
    const err = await errorOf(createKeyVaultSecretSource(client).fetch('telesign-api-key'));
    expect(err.code).toBe('secrets_unavailable');
  });
});
