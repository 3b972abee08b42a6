import { type AzuriteTables, startAzuriteTables } from '../local/azurite';
import { type Channel, type ChannelOptions, startChannel } from '../local/channel';
import { BRIDGE_OFF, localDefaults, SANDBOX_ACCOUNT } from '../local/localSettings';
import { type App, buildApp } from '../shared/app';
import { type Env, loadConfig, type TelesignAccount } from '../shared/config';
import { silentLogger } from '../shared/log';
import type { Stores } from '../shared/ports/stores';
import type { ChannelEventPublisher } from '../shared/queue/channelEventPublisher';
import type { EventPublisher } from '../shared/queue/eventPublisher';
import { createCachedSecretProvider, createKeyVaultSecretClient, createKeyVaultSecretSource } from '../shared/secrets';
import { type RequestCounter, requestCounter } from '../shared/storage/requestCounter';
import { createTableClients, type TableClients } from '../shared/storage/tableClients';
import { createTableStores } from '../shared/storage/tableStores';
import { benchCredential, type LocalKeyVault, startLocalKeyVault } from './localKeyVault';

/**
 * The app as shared/app.ts wires it, on Table clients the bench built and counts (every request they make), with
 * its Telesign key read from a loopback Key Vault (counted too). The channel's own app, which its triggers run,
 * is not counted: the figures of a service called directly are this app's.
 */
export interface BenchApp {
  app: App;
  tables: TableClients;
  /** The stores over the same counted clients (seeding, floors). */
  stores: Stores;
  counter: RequestCounter;
  vault: LocalKeyVault;
  account: TelesignAccount;
  connectionString: string;
  close(): Promise<void>;
}

/**
 * The app is configured as deployed, with the channel events topic, so that each path takes the deployed one (the
 * listing answers from the index, which the conversation-index reaction keeps current there). Its publishes are
 * dropped: a service called directly costs its own work, not a publish to a topic no one reads here.
 */
const droppedEvents: ChannelEventPublisher = { publish: async () => undefined, close: async () => undefined };

export async function startBenchApp(env: Env, parts: { publisher?: EventPublisher } = {}): Promise<BenchApp> {
  const connectionString = env.AzureWebJobsStorage!;
  const config = loadConfig(env);
  const tables = createTableClients({ kind: 'connectionString', connectionString });
  const counter = requestCounter();
  counter.attach(Object.values(tables));
  const vault = await startLocalKeyVault({ [SANDBOX_ACCOUNT.apiKeySecretName]: SANDBOX_ACCOUNT.apiKey });
  const secrets = createCachedSecretProvider(
    createKeyVaultSecretSource(
      createKeyVaultSecretClient({ vaultUrl: vault.url, credential: benchCredential, allowInsecureConnection: true }),
    ),
    { ttlMs: config.secretCacheTtlMs },
  );
  const app = buildApp(config, {
    tables,
    secrets,
    ...(parts.publisher ? { publisher: parts.publisher, queueProbe: async () => undefined } : {}),
    channelEvents: droppedEvents,
  });
  await app.ready();
  return {
    app,
    tables,
    stores: createTableStores(tables),
    counter,
    vault,
    account: config.accounts[0],
    connectionString,
    async close() {
      await app.close();
      await vault.close();
    },
  };
}

/** A bench app over parts of its own; `stop` closes the app, then those parts. */
interface BenchOver {
  bench: BenchApp;
  stop(): Promise<void>;
}

const stopping = (bench: BenchApp, under: { stop(): Promise<unknown> }) => async () => {
  await bench.close();
  await under.stop();
};

/** The local channel of every bench phase, on free ports; the bridge phase keeps the bridge on. */
export function benchChannelOptions(env: Env): ChannelOptions {
  return {
    env,
    logger: silentLogger,
    ports: { http: 0, sandbox: 0, broker: 0, tables: 0, dynamics: 0 },
    reportDelaysMs: [5, 10],
    maxConcurrentSessions: 16,
    // Nothing the bench left in the broker needs handling at the end.
    drainMs: 1_000,
  };
}

/** The local channel (bridge off), and a bench app over its Azurite, broker and Telesign sandbox. */
export interface BenchChannel extends BenchOver {
  channel: Channel;
}

export async function startBenchChannel(): Promise<BenchChannel> {
  const channel = await startChannel(benchChannelOptions({ ...localDefaults, DYNAMICS_MESSAGING_URL: BRIDGE_OFF }));
  const bench = await startBenchApp(channel.env);
  return { channel, bench, stop: stopping(bench, channel) };
}

/**
 * Tables of their own (an Azurite of their own, on a thread of its own as the local channel runs it) for the figures
 * that depend on how many rows a table holds.
 */
export interface IsolatedStore extends BenchOver {
  azurite: AzuriteTables;
}

const noQueue: EventPublisher = {
  publish: async () => {
    throw new Error('the isolated bench store has no queue');
  },
  close: async () => undefined,
};

export async function startIsolatedStore(channelEnv: Env): Promise<IsolatedStore> {
  const azurite = await startAzuriteTables({ port: 0, thread: 'worker' });
  const bench = await startBenchApp(
    { ...channelEnv, AzureWebJobsStorage: azurite.connectionString },
    { publisher: noQueue },
  );
  return { azurite, bench, stop: stopping(bench, azurite) };
}
