import type { Config } from './config';
import type { ChannelEvent } from './domain/channelEvents';
import type { ConversationAction } from './domain/conversationState';
import { dynamicsCredentialFactory } from './dynamics/credential';
import { createMessagingClient, type MessagingClient } from './dynamics/messagingClient';
import { createTokenProvider } from './dynamics/tokenProvider';
import { createWebhookAuthenticator, type WebhookAuthenticator } from './dynamics/webhookAuth';
import type { Logger } from './log';
import type { Outcome } from './outcome';
import type { ConversationIndex } from './ports/conversationIndex';
import type { DynamicsLinkStore } from './ports/dynamicsLinks';
import type { ThreadStore } from './ports/threadStore';
import type { AgentActivityPublisher } from './queue/activityPublisher';
import type { SecretProvider } from './secrets';
import { applyAgentActivity, type ReceiveActivityInput, receiveAgentActivity } from './services/agentActivities';
import { startNextConversation } from './services/nextConversation';
import type { React } from './services/reactions';
import { recreateDynamicsConversation } from './services/recreateDynamicsConversation';
import { type RelayDeps, type RelayOptions, relayToDynamics } from './services/relayToDynamics';
import type { SendCommand } from './services/sendRequest';
import type { SendResult } from './services/sendResult';

/**
 * The Dynamics bridge as the entry points see it (docs/dynamics-protocol.md): channel events relayed to the
 * Messaging API, and the agent's activities coming back through the webhook. Built only when the bridge is on.
 */
export interface DynamicsBridge {
  relay(event: ChannelEvent, logger: Logger): Promise<void>;
  receiveActivity(input: ReceiveActivityInput, logger: Logger): Promise<Outcome<void>>;
  applyActivity(body: unknown, logger: Logger): Promise<void>;
}

export interface DynamicsBridgeDeps {
  threads: ThreadStore;
  index: ConversationIndex;
  links: DynamicsLinkStore;
  secrets: SecretProvider;
  /** Where the webhook queues the agent's activities. */
  activities: AgentActivityPublisher;
  /** The send service with its reactions (shared/app.ts): an agent reply is an SMS like any other. */
  send(command: SendCommand, logger: Logger): Promise<Outcome<SendResult>>;
  /** A conversation change with its reactions (shared/app.ts). */
  change(conversationId: string, action: ConversationAction, logger: Logger): Promise<Outcome<unknown>>;
  /** Runs the reactions of a change the bridge commits itself (the next conversation after a 404). */
  react: React;
  /** Creates the tables if needed, before any store is used. */
  ready: () => Promise<void>;
  now?: () => Date;
  /** Stands in for the Messaging API client (tests). */
  messaging?: MessagingClient;
  /** Stands in for the webhook token check (tests). */
  authenticator?: WebhookAuthenticator;
  /** Tests shorten the in-handler retry. */
  relay?: RelayOptions;
}

export function createDynamicsBridge(config: Config, deps: DynamicsBridgeDeps): DynamicsBridge | undefined {
  const settings = config.dynamics;
  if (!settings) return undefined;
  const now = deps.now ?? (() => new Date());
  const messaging =
    deps.messaging ??
    createMessagingClient({
      baseUrl: settings.messagingUrl,
      organizationId: settings.organizationId,
      channelId: settings.channelId,
      timeoutMs: settings.requestTimeoutMs,
      tokens: createTokenProvider({
        scope: settings.tokenScope,
        refreshMarginMs: settings.tokenRefreshMarginMs,
        createCredential: dynamicsCredentialFactory({
          tenantId: settings.tenantId,
          appId: settings.appId,
          authorityHost: settings.authorityHost,
          auth: settings.auth,
          getSecret: (name) => deps.secrets.get(name),
        }),
      }),
    });
  const { webhook } = settings;
  const authenticator =
    deps.authenticator ??
    createWebhookAuthenticator({
      issuers: webhook.issuers,
      audiences: webhook.audiences,
      tenantId: webhook.tenantId,
      appIds: webhook.appIds,
      clockSkewSeconds: webhook.clockSkewSeconds,
      keys: { jwksUrl: webhook.jwksUrl, timeoutMs: settings.requestTimeoutMs },
    });

  const relayDeps = (logger: Logger): RelayDeps => {
    const base = {
      settings,
      accounts: config.accounts,
      threads: deps.threads,
      links: deps.links,
      messaging,
      now,
      logger,
      ...deps.relay,
    };
    if (settings.onConversationNotFound !== 'recreate') return base;
    return {
      ...base,
      // A customer message that meets a conversation ended in Dynamics opens the next one on both sides (§6).
      recreate: (event, goneId) =>
        recreateDynamicsConversation(event, goneId, {
          ...base,
          async closeConversation(conversationId, reason) {
            const closed = await deps.change(conversationId, { kind: 'close', reason }, logger);
            if (!closed.ok) throw closed.error;
          },
          async startNext(input) {
            const { result, events } = await startNextConversation(input, {
              threads: deps.threads,
              index: deps.index,
              rules: config.routingRules,
              accounts: config.accounts,
              now,
              logger,
            });
            await deps.react(events, { logger });
            return result;
          },
        }),
    };
  };

  return {
    async relay(event, logger) {
      await deps.ready();
      await relayToDynamics(event, relayDeps(logger));
    },
    receiveActivity: (input, logger) =>
      receiveAgentActivity(input, { webhook, authenticator, publisher: deps.activities, now, logger }),
    async applyActivity(body, logger) {
      await deps.ready();
      await applyAgentActivity(body, {
        settings,
        links: deps.links,
        messaging,
        send: deps.send,
        change: deps.change,
        conversation: (threadId, n) => deps.threads.getConversation(threadId, n),
        logger,
      });
    },
  };
}
