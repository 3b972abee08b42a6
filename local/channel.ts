import { ServiceBusClient } from '@azure/service-bus';

import { type App, type AppParts, buildApp, resetApp, useApp } from '../shared/app';
import { type Env, loadConfig } from '../shared/config';
import type { Logger } from '../shared/log';
import type { SecretProvider } from '../shared/secrets';
import type { BackoffOptions } from '../shared/services/backoff';
import type { RelayOptions } from '../shared/services/relayToDynamics';
import { type AzuriteTables, startAzuriteTables } from './azurite';
import { EmbeddedBroker } from './broker';
import { pendingMessages, readBrokerData, writeBrokerData } from './brokerData';
import { brokerEntities, fromSettings, unsetSettings } from './brokerEntities';
import { consolePages } from './console';
import { createEventHub } from './console/eventHub';
import { DynamicsSandbox, type DynamicsSandboxOptions } from './dynamicsSandbox';
import { withEmbeddedDynamics } from './dynamicsSandboxSettings';
import { hostServiceBusSettings } from './hostJson';
import { type HttpHost, startHttpHost } from './httpHost';
import { invocationContext } from './invocationContext';
import { loadFunctions } from './loadFunctions';
import {
  defaultPorts,
  embeddedParts,
  LOCAL_ADMIN_KEY,
  LOCAL_FUNCTION_KEY,
  localDuplicateWindowMs,
  localTimerIntervalMs,
  SANDBOX_ACCOUNT,
  withLocalBridgeSwitch,
} from './localSettings';
import { noDelayClientOptions } from './noDelayTransport';
import { type SessionConsumer, startSessionConsumer } from './sessionConsumer';
import { TelesignSandbox } from './telesignSandbox';
import { startTimerHost } from './timerHost';

/**
 * The whole channel on one machine (docs/architecture.md §Embedded local channel): Azurite's Table service, the
 * embedded broker (with the entities the triggers read), the Telesign sandbox, the Dynamics sandbox (when
 * DYNAMICS_MESSAGING_URL is `embedded`), and every trigger the function files register: the HTTP host on their
 * routes, a session consumer for each Service Bus function (queue or topic subscription), the timer functions on
 * their schedules. Any part whose setting points at a real service is not
 * started; the real one is used.
 */
export interface ChannelOptions {
  env: Env;
  logger: Logger;
  /** 0 everywhere gives free ports (tests). */
  ports?: Partial<typeof defaultPorts>;
  host?: string;
  /** Keep Azurite's data in this file between runs. */
  dataFile?: string;
  /** Sessions each Service Bus trigger works at once; default host.json's maxConcurrentSessions, as in Azure. */
  maxConcurrentSessions?: number;
  /**
   * The broker's duplicate-detection window on every queue and topic. Before LOCAL_DUPLICATE_WINDOW_SECONDS; with
   * neither, the broker's default (10 minutes).
   */
  duplicateDetectionWindowMs?: number;
  /** Test knobs: the broker's delivery limit and the sandbox's report delays. */
  maxDeliveryCount?: number;
  reportDelaysMs?: [number, number];
  callbackRetryDelaysMs?: [number, number];
  telesignClient?: { timeoutMs?: number; retryDelayMs?: number; maxRetryAfterMs?: number };
  /** Tests reach a local Key Vault endpoint through the real SecretClient with a test credential. */
  secrets?: SecretProvider;
  /** Test knobs of the Dynamics sandbox (webhook retries, fault seed) and of the relay's in-handler retry. */
  dynamicsSandbox?: Pick<DynamicsSandboxOptions, 'webhook' | 'seed' | 'wrapUpCloseMs'>;
  dynamicsRelay?: RelayOptions;
  /** Test knob: shorter pauses for the router's retry of a passing failure. */
  routeRetry?: BackoffOptions;
  /** Test knob: a shorter retry schedule for the outbound webhooks, and their jitter. */
  webhooks?: AppParts['webhooks'];
  /** Keep the embedded broker's messages in this file between runs (`--data`). */
  brokerDataFile?: string;
  /** How long stop() waits for the triggers to finish what was acknowledged. Default 10 s. */
  drainMs?: number;
}

/** What stop() could not finish: messages no trigger had handled, kept in the broker's data file or lost. */
export interface StopReport {
  pending: number;
  keptIn?: string;
}

export interface Channel {
  app: App;
  http: HttpHost;
  env: Env;
  sandbox?: TelesignSandbox;
  dynamicsSandbox?: DynamicsSandbox;
  broker?: EmbeddedBroker;
  azurite?: AzuriteTables;
  functionKey: string;
  adminKey: string;
  serviceBusClient: ServiceBusClient;
  /**
   * Refuses new requests (503, so Telesign retries), waits up to `drainMs` for the triggers to handle what was
   * acknowledged, then stops every part; says what it could not finish.
   */
  stop(): Promise<StopReport>;
}

export async function startChannel(options: ChannelOptions): Promise<Channel> {
  const ports = { ...defaultPorts, ...options.ports };
  let env: Env = withLocalBridgeSwitch({ ...options.env });
  const parts = embeddedParts(env);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };

  try {
    const timerIntervalMs = localTimerIntervalMs(env);
    const duplicateWindowMs = options.duplicateDetectionWindowMs ?? localDuplicateWindowMs(env);
    // Each embedded part: started only when its setting asks for it, on its port, stopped with the channel, and its
    // endpoint written into the setting the app then reads.
    const embed = async <T extends { stop(): Promise<void> }>(
      part: keyof typeof parts,
      start: (at: { port: number; host?: string }) => Promise<T>,
      setting: string,
      endpoint: (started: T) => string,
    ) => {
      if (!parts[part]) return undefined;
      const started = await start({ port: ports[part], host: options.host });
      stops.push(() => started.stop());
      env[setting] = endpoint(started);
      return started;
    };
    const sandbox = await embed(
      'sandbox',
      (at) =>
        TelesignSandbox.start({
          ...at,
          accounts: [{ customerId: SANDBOX_ACCOUNT.customerId, apiKey: SANDBOX_ACCOUNT.apiKey }],
          reportDelaysMs: options.reportDelaysMs ?? [300, 800],
          callbackRetryDelaysMs: options.callbackRetryDelaysMs,
        }),
      'TELESIGN_API_BASE_URL',
      (t) => t.url,
    );
    // Before the broker: the sandbox's settings may name the channel events topic the broker must declare.
    const dynamicsSandbox = await embed(
      'dynamics',
      (at) => DynamicsSandbox.start({ ...at, ...options.dynamicsSandbox, logger: options.logger }),
      'DYNAMICS_MESSAGING_URL',
      (d) => d.url,
    );
    if (dynamicsSandbox) env = withEmbeddedDynamics(env, dynamicsSandbox.settings(), dynamicsSandbox.clientSecret()!);
    const azurite = await embed(
      'tables',
      // On a thread of its own: the main thread is the broker's, the consumers' and the HTTP host's (azurite.ts).
      (at) => startAzuriteTables({ ...at, dataFile: options.dataFile, thread: 'worker' }),
      'AzureWebJobsStorage',
      (a) => a.connectionString,
    );
    const functions = loadFunctions();
    const entities = brokerEntities(functions.serviceBus, env, options.maxDeliveryCount ?? 10, duplicateWindowMs);
    const broker = await embed(
      'broker',
      (at) => EmbeddedBroker.start({ ...at, ...entities, restore: readBrokerData(options.brokerDataFile) }),
      'ServiceBusConnection',
      (b) => b.connectionString,
    );
    if (broker?.restored?.restored)
      options.logger.info('broker: messages of the last run restored', { messages: broker.restored.restored });
    if (broker?.restored?.unknown.length)
      options.logger.warn('broker: stores of the last run no longer declared, left out', {
        stores: broker.restored.unknown,
      });
    // Runs after the triggers have stopped (stops run in reverse), just before the broker itself stops.
    const brokerFile = options.brokerDataFile;
    let kept: number | undefined;
    if (broker && brokerFile) stops.push(async () => void (kept = writeBrokerData(brokerFile, broker)));

    const config = loadConfig(env);
    // The console's live view (local/console/): every change's events, after the reactions.
    const hub = createEventHub();
    const app = buildApp(config, {
      telesign: options.telesignClient,
      secrets: options.secrets,
      dynamics: options.dynamicsRelay ? { relay: options.dynamicsRelay } : undefined,
      routeRetry: options.routeRetry,
      webhooks: options.webhooks,
      // Its publishers' socket too, as the triggers' below (local/noDelayTransport.ts).
      serviceBusOptions: noDelayClientOptions(env.ServiceBusConnection!),
      observe: (events) => hub.publish(events),
    });
    useApp(app);
    stops.push(() => resetApp());
    await app.ready();

    const functionKey = env.LOCAL_FUNCTION_KEY || LOCAL_FUNCTION_KEY;
    const adminKey = env.LOCAL_ADMIN_KEY || LOCAL_ADMIN_KEY;
    // Nagle off on the triggers' socket to the embedded broker or the emulator (local/noDelayTransport.ts). Made
    // before the HTTP host, whose console reads dead letters through it.
    const serviceBusClient = new ServiceBusClient(
      env.ServiceBusConnection!,
      noDelayClientOptions(env.ServiceBusConnection!),
    );
    const http = await startHttpHost({
      port: ports.http,
      host: options.host,
      functions: functions.http,
      functionKey,
      adminKey,
      logger: options.logger,
      pages: consolePages({
        hub,
        functionKey,
        adminKey,
        app,
        env,
        broker,
        serviceBus: serviceBusClient,
        telesignSandboxUrl: sandbox?.url,
        dynamicsSandboxUrl: dynamicsSandbox?.url,
      }),
    });
    stops.push(() => http.close());
    // Before the host closes (stops run in reverse): open event streams end rather than hold the stop.
    stops.push(async () => hub.close());
    sandbox?.setCallbackUrl(`${http.url}/api/telesign/callback`);
    // The dispatcher appends /v3/conversations/{id}/activities, the route of functions/dynamicsActivities.ts.
    dynamicsSandbox?.setWebhookUrl(`${http.url}/api/dynamics`);

    stops.push(() => serviceBusClient.close());
    // A trigger whose entity names a setting left empty has nothing to read: it is reported and not run, where the
    // Functions host would fail to start the function.
    const runnable = functions.serviceBus.filter((fn) => {
      const missing = unsetSettings(fn, env);
      if (missing.length) options.logger.warn('trigger not run: its setting is empty', { function: fn.name, missing });
      return missing.length === 0;
    });
    const host = hostServiceBusSettings();
    const maxConcurrentSessions = options.maxConcurrentSessions ?? host.maxConcurrentSessions;
    const consumers: SessionConsumer[] = runnable.map((fn) =>
      startSessionConsumer({
        client: serviceBusClient,
        ...('queueName' in fn
          ? { queueName: fromSettings(fn.queueName, env) }
          : { topicName: fromSettings(fn.topicName, env), subscriptionName: fromSettings(fn.subscriptionName, env) }),
        logger: options.logger,
        maxConcurrentSessions,
        sessionIdleMs: host.sessionIdleMs,
        handler: async (body, message) => {
          const metadata = {
            messageId: message.messageId,
            sessionId: message.sessionId,
            deliveryCount: message.deliveryCount,
          };
          await fn.handler(body, invocationContext(fn.name, options.logger, metadata));
        },
      }),
    );
    stops.push(async () => {
      await Promise.all(consumers.map((c) => c.stop()));
    });

    const timers = startTimerHost({
      functions: functions.timer.map((fn) => ({ ...fn, schedule: fromSettings(fn.schedule, env) })),
      logger: options.logger,
      intervalMs: timerIntervalMs,
    });
    stops.push(() => timers.stop());

    let stopping: Promise<StopReport> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        http.refuse();
        const pending = broker ? await drain(broker, options.drainMs ?? 10_000) : 0;
        await stopAll();
        const report: StopReport = { pending: brokerFile ? (kept ?? pending) : pending };
        if (brokerFile && report.pending) report.keptIn = brokerFile;
        return report;
      })());
    return {
      app,
      http,
      env,
      sandbox,
      dynamicsSandbox,
      broker,
      azurite,
      functionKey,
      adminKey,
      serviceBusClient,
      stop,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Waits until no queue or subscription holds a message a trigger has still to handle, or the time is up. */
async function drain(broker: EmbeddedBroker, withinMs: number): Promise<number> {
  const until = Date.now() + withinMs;
  let pending = pendingMessages(broker);
  while (pending > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    pending = pendingMessages(broker);
  }
  return pending;
}
