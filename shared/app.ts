import type { TelesignAccount } from './config';
import { type Config, type Env, loadConfig } from './config';
import type { ChannelEvent } from './domain/channelEvents';
import type { ConversationAction } from './domain/conversationState';
import type { InboundEvent } from './domain/inboundEvent';
import { createDynamicsBridge, type DynamicsBridge, type DynamicsBridgeDeps } from './dynamicsBridge';
import type { Logger } from './log';
import { createOutboundWebhooks, type OutboundWebhookDeps, type OutboundWebhooks } from './outboundWebhooks';
import { failure, type Outcome } from './outcome';
import type { EventOutbox } from './ports/eventOutbox';
import { type AgentActivityPublisher, createAgentActivityPublisher } from './queue/activityPublisher';
import { type ChannelEventPublisher, createChannelEventPublisher } from './queue/channelEventPublisher';
import { createServiceBusPublisher, type EventPublisher } from './queue/eventPublisher';
import { createQueueProbe } from './queue/queueProbe';
import { createServiceBusClient, type ServiceBusClientOptions } from './queue/serviceBusClient';
import { createWebhookDeliveryQueue } from './queue/webhookDeliveryQueue';
import {
  createCachedSecretProvider,
  createKeyVaultSecretClient,
  createKeyVaultSecretSource,
  createSettingsSecretSource,
  type SecretProvider,
} from './secrets';
import { autoCloseIdle, type AutoCloseResult } from './services/autoClose';
import { autoReplies } from './services/autoReplies';
import type { BackoffOptions } from './services/backoff';
import { fileConversationAgain } from './services/conversationIndexing';
import type { ListQuery, PageQuery } from './services/conversationRequests';
import {
  changeConversation,
  type ConversationDeps,
  getConversation,
  listConversations,
  listMessages,
  type Page,
} from './services/conversations';
import type { Conversation, ConversationDetail, Message } from './services/conversationViews';
import { createHealthCheck, type Health } from './services/health';
import { type CallbackInput, ingestCallback, type Ingested } from './services/ingest';
import { publishChannelEvents, republishChannelEvents } from './services/publishChannelEvents';
import { observing, type React, reactAfterCommit, runReactions } from './services/reactions';
import { type RouteDeps, routeEvent, type RouteResult } from './services/route';
import { routeWithRetry } from './services/routeRetry';
import { type SendDeps, sendMessage, type SendOptions } from './services/send';
import type { SendCommand } from './services/sendRequest';
import type { SendResult } from './services/sendResult';
import { settleStuckSends, type StuckSendsResult } from './services/stuckSends';
import { validateCredentials } from './services/validateCredentials';
import { createSendsInFlight } from './storage/sendsInFlight';
import { createTableClients, ensureTables, type TableClients } from './storage/tableClients';
import { probeTable } from './storage/tableProbe';
import { createTableStores } from './storage/tableStores';
import { createWebhookEndpointStates, createWebhookFailures, createWebhookHolds } from './storage/webhookStore';
import { type CallbackVerifier, createCallbackVerifier } from './telesign/callbackVerifier';
import { createTelesignClient, type TelesignClient } from './telesign/client';

/**
 * Composition root: the real dependencies, built once per process from the settings, then shared by every
 * invocation (one Service Bus connection, one secret cache). Entry points ask for it; nothing else reaches it.
 */
export interface App {
  config: Config;
  ingest(input: CallbackInput, logger: Logger): Promise<Outcome<Ingested>>;
  /** Creates the tables if needed; hosts call it at start to fail fast on a storage problem. */
  ready(): Promise<void>;
  route(event: InboundEvent, logger: Logger): Promise<RouteResult>;
  send(command: SendCommand, logger: Logger, options?: SendOptions): Promise<Outcome<SendResult>>;
  validate(customerId: string | undefined): Promise<Outcome<{ customerId: string; valid: boolean; reason: string }>>;
  conversations: {
    list(query: ListQuery, logger: Logger): Promise<Outcome<Page<Conversation>>>;
    get(id: string, logger: Logger): Promise<Outcome<ConversationDetail>>;
    messages(id: string, query: PageQuery, logger: Logger): Promise<Outcome<Page<Message>>>;
    change(id: string, action: ConversationAction, logger: Logger): Promise<Outcome<ConversationDetail>>;
    autoClose(logger: Logger): Promise<AutoCloseResult>;
    /** The `conversation-index` reaction: files the event's conversation in the index again, as it now is. */
    fileAgain(event: ChannelEvent, logger: Logger): Promise<void>;
  };
  /** Publishes the channel events an outage left in the outbox; how many went. */
  republishChannelEvents(logger: Logger): Promise<number>;
  /** Settles `unknown` the sends a crash left `queued` past the bound (shared/services/stuckSends.ts). */
  settleStuckSends(logger: Logger): Promise<StuckSendsResult>;
  health(): Promise<Health>;
  /** The Dynamics bridge: present only when `config.dynamics` is set (docs/dynamics-protocol.md). */
  dynamics?: DynamicsBridge;
  /** The outbound webhooks: present only when WEBHOOK_ENDPOINTS lists an endpoint (docs/webhooks.md). */
  webhooks?: OutboundWebhooks;
  close(): Promise<void>;
}

/** A forged callback can force at most one key re-read per account per minute. */
const KEY_REFRESH_INTERVAL_MS = 60_000;

export function createSecretProvider(config: Config): SecretProvider {
  const source =
    config.secrets.kind === 'keyVault'
      ? createKeyVaultSecretSource(
          createKeyVaultSecretClient({
            vaultUrl: config.secrets.vaultUrl,
            managedIdentityClientId: config.secrets.clientId,
          }),
        )
      : createSettingsSecretSource(config.secrets.secrets);
  return createCachedSecretProvider(source, { ttlMs: config.secretCacheTtlMs });
}

export interface AppParts {
  secrets?: SecretProvider;
  publisher?: EventPublisher;
  /** Stands in for the channel events topic (used only when CHANNEL_EVENTS_TOPIC is set). */
  channelEvents?: ChannelEventPublisher;
  tables?: TableClients;
  /** Stands in for the Service Bus check when `publisher` replaces the real queue. */
  queueProbe?: () => Promise<void>;
  /** Options for every Telesign client (tests shorten timeouts and retry pauses). */
  telesign?: { timeoutMs?: number; retryDelayMs?: number; maxRetryAfterMs?: number };
  /** Stands in for the Dynamics activities queue (used only when the bridge is on). */
  activities?: AgentActivityPublisher;
  /** Stand-ins and shorter pauses for the Dynamics bridge (tests). */
  dynamics?: Pick<DynamicsBridgeDeps, 'messaging' | 'relay' | 'authenticator'>;
  /** Stand-ins for the outbound webhooks' clock, jitter, DNS and retry schedule (tests). */
  webhooks?: Pick<OutboundWebhookDeps, 'now' | 'random' | 'resolve' | 'retryScheduleMs'>;
  /** Shorter pauses for the router's retry of a passing failure (tests). */
  routeRetry?: BackoffOptions;
  /** Transport options for the app's Service Bus client: the local host turns Nagle off on its broker socket. */
  serviceBusOptions?: ServiceBusClientOptions;
  /**
   * Sees every change's channel events after the reactions (the local console's live view). Best effort: what it
   * throws is ignored, so a watcher can never fail or repeat a change.
   */
  observe?: (events: readonly ChannelEvent[]) => void;
}

export function buildApp(config: Config, parts: AppParts = {}): App {
  const secrets = parts.secrets ?? createSecretProvider(config);
  const topic = config.channelEventsTopic;
  const bridgeOn = config.dynamics !== undefined;
  const needsServiceBus =
    !parts.publisher ||
    (topic !== undefined && !parts.channelEvents) ||
    (bridgeOn && !parts.activities) ||
    config.webhooks !== undefined;
  const serviceBus = needsServiceBus ? createServiceBusClient(config.serviceBus, parts.serviceBusOptions) : undefined;
  const publisher = parts.publisher ?? createServiceBusPublisher(serviceBus!, config.inboundQueueName);
  const channelEvents =
    topic === undefined ? undefined : (parts.channelEvents ?? createChannelEventPublisher(serviceBus!, topic));
  const activities = !bridgeOn
    ? undefined
    : (parts.activities ?? createAgentActivityPublisher(serviceBus!, config.dynamicsActivitiesQueue));
  const verifier: CallbackVerifier = createCallbackVerifier({
    accounts: config.accounts,
    secrets,
    now: Date.now,
    refreshIntervalMs: KEY_REFRESH_INTERVAL_MS,
  });
  const now = () => new Date();

  const tables = parts.tables ?? createTableClients(config.tables);
  // Tables are created once per process, on first use, and again after a failure.
  let tablesReady: Promise<void> | undefined;
  const ready = () =>
    (tablesReady ??= ensureTables(tables).catch((e) => ((tablesReady = undefined), Promise.reject(e))));
  const stores = createTableStores(tables);
  const store: Omit<RouteDeps, 'logger'> = {
    threads: stores.threads,
    consent: stores.consent,
    references: stores.references,
    unrecognized: stores.unrecognized,
    index: stores.index,
    conversations: stores.conversations,
    rules: config.routingRules,
    accounts: config.accounts,
    now,
  };

  // With the topic there, the conversation-index reaction files every conversation again after each of its events.
  const indexKeptCurrent = channelEvents !== undefined;

  // One client per account for the process: the key itself is read through the secret cache on every call.
  const clients = new Map<string, TelesignClient>();
  const telesignFor = (account: TelesignAccount) => {
    let client = clients.get(account.customerId);
    if (!client) {
      client = createTelesignClient({
        baseUrl: config.telesignApiBaseUrl,
        customerId: account.customerId,
        getApiKey: () => secrets.get(account.apiKeySecretName),
        ...parts.telesign,
      });
      clients.set(account.customerId, client);
    }
    return client;
  };
  const inFlight = createSendsInFlight(tables.sendsInFlight);
  const sendDeps = (logger: Logger): SendDeps => ({ ...store, secrets, telesignFor, inFlight, logger });
  const send = async (command: SendCommand, logger: Logger, options?: SendOptions) => {
    await ready();
    return reactAfterCommit(reactOrKeep, await sendMessage(command, sendDeps(logger), options), { logger });
  };

  // What follows a change, in order: every service hands its channel events here and knows nothing of them. The
  // events are made durable first, so a reaction that later subscribes to the topic misses none.
  const reactions = (outbox?: EventOutbox): React =>
    runReactions([
      ...(channelEvents ? [publishChannelEvents(channelEvents, outbox)] : []),
      autoReplies({ accounts: config.accounts, send: (c, o, logger) => send(c, logger, o) }),
      ...(parts.observe ? [observing(parts.observe)] : []),
    ]);
  // The router's events are replayed by Service Bus when the publish fails, which keeps a thread's order; a change
  // nothing would replay (an API call, auto-close) keeps its events in the outbox instead of losing them.
  const react = reactions();
  const reactOrKeep = reactions(stores.outbox);

  const conversationDeps = (logger: Logger): ConversationDeps => ({
    ...store,
    index: stores.index,
    conversations: stores.conversations,
    logger,
    indexKeptCurrent,
  });
  const withTables =
    <T>(work: (deps: ConversationDeps) => Promise<T>) =>
    async (logger: Logger) => {
      await ready();
      return work(conversationDeps(logger));
    };
  const idle = (days: number) => (days > 0 ? days * 24 * 60 * 60 * 1000 : undefined);
  const queueProbe =
    parts.queueProbe ??
    (parts.publisher ? async () => undefined : createQueueProbe(serviceBus!, config.inboundQueueName));
  const health = createHealthCheck(
    {
      storage: async () => {
        await ready();
        await probeTable(tables.threads);
      },
      queue: queueProbe,
      // Through the cache: a cached key is a working key as far as the channel is concerned.
      secrets: async () => void (await secrets.get(config.accounts[0].apiKeySecretName)),
    },
    {
      details: async () => (webhooks ? { webhooks: await webhooks.health() } : {}),
    },
  );

  const change = (id: string, action: ConversationAction, logger: Logger) =>
    withTables(async (deps) => {
      const outcome = await reactAfterCommit(reactOrKeep, await changeConversation(id, action, deps), { logger });
      if (!outcome.ok) return outcome;
      // Only auto-close asks for a conditional change; an API transition either changes or fails.
      return outcome.value.changed
        ? { ok: true as const, value: outcome.value.conversation }
        : failure('internal_error', 'The conversation did not change.');
    })(logger);

  const dynamics =
    activities &&
    createDynamicsBridge(config, {
      threads: stores.threads,
      index: stores.index,
      links: stores.dynamicsLinks,
      secrets,
      activities,
      send: (command, logger) => send(command, logger),
      change,
      react,
      ready,
      now,
      ...parts.dynamics,
    });

  const webhookQueue = config.webhooks && createWebhookDeliveryQueue(serviceBus!, config.webhookDeliveriesQueue);
  const webhooks =
    webhookQueue &&
    createOutboundWebhooks(config.webhooks, {
      holds: createWebhookHolds(tables.webhooks),
      failures: createWebhookFailures(tables.webhooks),
      endpointStates: createWebhookEndpointStates(tables.webhooks),
      queue: webhookQueue,
      secrets,
      ready,
      ...parts.webhooks,
    });

  return {
    config,
    dynamics,
    webhooks,
    conversations: {
      list: (query, logger) => withTables((deps) => listConversations(query, deps))(logger),
      get: (id, logger) => withTables((deps) => getConversation(id, deps))(logger),
      messages: (id, query, logger) => withTables((deps) => listMessages(id, query, deps))(logger),
      change,
      autoClose: (logger) =>
        withTables(async (deps) => {
          const { result, events } = await autoCloseIdle({
            ...deps,
            idleLimits: {
              open: idle(config.autoCloseDays.open),
              active: idle(config.autoCloseDays.active),
              waiting: idle(config.autoCloseDays.waiting),
            },
          });
          await reactOrKeep(events, { logger });
          return result;
        })(logger),
      // Through a storage outage as the router goes through one: retried inside the delivery, so that the
      // subscription's redeliveries are not spent in seconds.
      fileAgain: (event, logger) =>
        routeWithRetry(
          () => withTables(async (deps) => void (await fileConversationAgain(event, deps)))(logger),
          logger,
          parts.routeRetry,
          { eventId: event.id },
        ),
    },
    async republishChannelEvents(logger) {
      if (!channelEvents) return 0;
      await ready();
      const published = await republishChannelEvents({ port: channelEvents, outbox: stores.outbox });
      if (published) logger.info('channel events published from the outbox', { events: published });
      return published;
    },
    async settleStuckSends(logger) {
      await ready();
      return settleStuckSends({ threads: stores.threads, inFlight, react: reactOrKeep, now, logger });
    },
    health,
    ingest: (input, logger) => ingestCallback(input, { verifier, publisher, logger, now }),
    ready,
    route: (event, logger) =>
      routeWithRetry(
        async () => {
          await ready();
          const { result, events } = await routeEvent(event, { ...store, logger });
          await react(events, { logger });
          return result;
        },
        logger,
        parts.routeRetry,
        { eventId: event.eventId },
      ),
    send,
    validate: (customerId) => validateCredentials(customerId, { accounts: config.accounts, secrets, telesignFor }),
    async close() {
      await publisher.close();
      await channelEvents?.close();
      await activities?.close();
      await webhookQueue?.close();
      await serviceBus?.close();
    },
  };
}

let current: App | undefined;

/** The process's app, built on first use so that a function file can be imported (and registered) without settings. */
export function getApp(env: Env = process.env): App {
  return (current ??= buildApp(loadConfig(env)));
}

/** For hosts and tests that assemble the app from their own parts (an embedded broker, a local vault). */
export function useApp(app: App): void {
  current = app;
}

/** For hosts and tests that rebuild the app with other settings. */
export async function resetApp(): Promise<void> {
  const app = current;
  current = undefined;
  await app?.close();
}
