import type { Config } from './config';
import type { ChannelEvent } from './domain/channelEvents';
import { dynamicsCredentialFactory } from './dynamics/credential';
import { createMessagingClient, type MessagingClient } from './dynamics/messagingClient';
import { createTokenProvider } from './dynamics/tokenProvider';
import type { Logger } from './log';
import type { Outcome } from './outcome';
import type { DynamicsLinkStore } from './ports/dynamicsLinks';
import type { ThreadStore } from './ports/threadStore';
import type { SecretProvider } from './secrets';
import { type RelayOptions, relayToDynamics } from './services/relayToDynamics';

/**
 * The Dynamics bridge as the entry points see it (docs/dynamics-protocol.md): channel events relayed to the
 * Messaging API, and the agent's activities coming back through the webhook. Built only when the bridge is on.
 */
export interface DynamicsBridge {
  relay(event: ChannelEvent, logger: Logger): Promise<void>;
  receiveActivity?(
    input: { conversationId: string; authorization: string | undefined; body: unknown },
    logger: Logger,
  ): Promise<Outcome<void>>;
  applyActivity?(body: unknown, logger: Logger): Promise<void>;
}

export interface DynamicsBridgeDeps {
  threads: ThreadStore;
  links: DynamicsLinkStore;
  secrets: SecretProvider;
  /** Creates the tables if needed, before any store is used. */
  ready: () => Promise<void>;
  now?: () => Date;
  /** Stands in for the Messaging API client (tests). */
  messaging?: MessagingClient;
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

  return {
    async relay(event, logger) {
      await deps.ready();
      await relayToDynamics(event, {
        settings,
        accounts: config.accounts,
        threads: deps.threads,
        links: deps.links,
        messaging,
        now,
        logger,
        ...deps.relay,
      });
    },
  };
}
