jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { health } from '../../functions/health';
import { type AzuriteTables, startAzuriteTables } from '../../local/azurite';
import { EmbeddedBroker } from '../../local/broker';
import { buildApp, resetApp, useApp } from '../../shared/app';
import { loadConfig } from '../../shared/config';
import {
  createCachedSecretProvider,
  createKeyVaultSecretClient,
  createKeyVaultSecretSource,
} from '../../shared/secrets';
import { startFakeKeyVault, staticTokenCredential } from '../support/fakeKeyVault';
import { call } from '../support/openapi';
import { account1, accountsSetting, localSecrets } from '../support/telesignFixtures';

let broker: EmbeddedBroker;
let vault: Awaited<ReturnType<typeof startFakeKeyVault>>;
let azurite: AzuriteTables;

/** A new app each time: nothing cached from a check made while everything was up. */
function freshApp() {
  const config = loadConfig({
    TELESIGN_ACCOUNTS: accountsSetting(account1),
    KEY_VAULT_URL: vault.url,
    ServiceBusConnection: broker.connectionString,
    AzureWebJobsStorage: azurite.connectionString,
  });
  const client = createKeyVaultSecretClient({
    vaultUrl: vault.url,
    credential: staticTokenCredential,
    allowInsecureConnection: true,
    callDeadlineMs: 1000,
  });
  useApp(buildApp(config, { secrets: createCachedSecretProvider(createKeyVaultSecretSource(client)) }));
}

const check = () => {
  freshApp();
  return call(health, { method: 'GET', route: '/health' });
};

beforeAll(async () => {
  broker = await EmbeddedBroker.start({ queues: [{ name: 'sms-inbound', requiresSession: true }] });
  vault = await startFakeKeyVault(localSecrets(account1));
  azurite = await startAzuriteTables();
});

// Each app is closed while its dependencies are up again: closing a client whose broker is gone waits on it.
afterEach(() => resetApp());

afterAll(async () => {
  await broker.stop();
  await vault.close();
  await azurite.stop().catch(() => undefined);
});

describe('GET /api/health', () => {
  it('answers 200 when storage, the queue and Key Vault answer', async () => {
    expect(await check()).toMatchObject({
      status: 200,
      body: { status: 'ok', checks: { storage: 'ok', queue: 'ok', secrets: 'ok' } },
    });
  });

  it('answers 503 naming Key Vault when it is down, and says nothing else', async () => {
    await vault.stop();
    try {
      const response = await check();
      expect(response).toMatchObject({
        status: 503,
        body: { status: 'degraded', checks: { storage: 'ok', queue: 'ok', secrets: 'unavailable' } },
      });
      expect(JSON.stringify(response.body)).not.toMatch(/127\.0\.0\.1|http|vault\.|error/i);
    } finally {
      await vault.resume();
    }
  });

  it('answers 503 naming the queue when Service Bus is down', async () => {
    await broker.stop();
    try {
      expect(await check()).toMatchObject({
        status: 503,
        body: { checks: { storage: 'ok', queue: 'unavailable', secrets: 'ok' } },
      });
    } finally {
      await broker.resume();
    }
  });

  it('answers 503 naming a queue that does not exist', async () => {
    const config = loadConfig({
      TELESIGN_ACCOUNTS: accountsSetting(account1),
      KEY_VAULT_URL: vault.url,
      ServiceBusConnection: broker.connectionString,
      INBOUND_QUEUE_NAME: 'no-such-queue',
      AzureWebJobsStorage: azurite.connectionString,
    });
    const client = createKeyVaultSecretClient({
      vaultUrl: vault.url,
      credential: staticTokenCredential,
      allowInsecureConnection: true,
    });
    useApp(buildApp(config, { secrets: createCachedSecretProvider(createKeyVaultSecretSource(client)) }));
    expect(await call(health, { method: 'GET', route: '/health' })).toMatchObject({
      status: 503,
      body: { checks: { queue: 'unavailable', storage: 'ok' } },
    });
  });

  it('answers 503 naming storage when Table Storage is down', async () => {
    await azurite.stop();
    expect(await check()).toMatchObject({
      status: 503,
      body: { checks: { storage: 'unavailable', queue: 'ok', secrets: 'ok' } },
    });
  });
});
