/**
 * Fixed identities of a default sandbox, so local settings can name them without asking the sandbox first, and
 * the resolution of options into the values the parts read.
 */
import type { ConversationState, DynamicsSandboxOptions, SandboxApp, SandboxChannel, WebhookOptions } from './types';

export const SANDBOX_IDENTITY = {
  tenantId: '8a0e3b3c-1d2f-4e5a-9b6c-7d8e9f0a1b2c',
  organizationId: '5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
  appId: '0b7e6d5c-4b3a-4291-8f7e-6d5c4b3a2910',
  /** A local sandbox secret, nothing real: the default app's client secret. */
  clientSecret: 'dynamics-sandbox-client-secret',
  channelId: 'c4a3b2d1-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  /** The managed identity whose tokens the default app's federated credential takes (the secretless path). */
  managedIdentityId: '6e5d4c3b-2a19-4f08-9e7d-6c5b4a392817',
  /** The object id of the app's service principal: the `sub` and `oid` of its tokens. */
  servicePrincipalId: '3d2c1b0a-9f8e-4d7c-b6a5-948372615a0b',
} as const;

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

export interface ResolvedChannel {
  channelId: string;
  appId: string;
  linkedToWorkstream: boolean;
  webhookUrl?: string;
}

export interface ResolvedWebhook {
  audience?: string;
  issuer: string;
  tokenLifetimeSeconds: number;
  timeoutMs: number;
  retryDelaysMs: [number, number];
  eventType: 'message' | 'event';
  eventFrom: 'sample' | 'agent';
  activityIds: boolean;
  acceptAny2xx: boolean;
  holdMs: number;
}

export interface SandboxConfig {
  tenantId: string;
  organizationId: string;
  apps: SandboxApp[];
  channels: ResolvedChannel[];
  scope: string;
  /** The scope without `/.default`: the `aud` of access tokens. */
  resource: string;
  accessTokenLifetimeSeconds: number;
  acceptLegacyHeaders: boolean;
  pluralCreateAlias: boolean;
  requireJsonContentType: boolean;
  postableStates: ConversationState[];
  contextDelayMs: number;
  wrapUpCloseMs: number | null;
  webhook: ResolvedWebhook;
}

export function accessTokenIssuer(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

export function resolveConfig(options: DynamicsSandboxOptions): SandboxConfig {
  const tenantId = (options.tenantId ?? SANDBOX_IDENTITY.tenantId).toLowerCase();
  const organizationId = (options.organizationId ?? SANDBOX_IDENTITY.organizationId).toLowerCase();
  const apps = options.apps ?? [
    {
      clientId: SANDBOX_IDENTITY.appId,
      clientSecret: SANDBOX_IDENTITY.clientSecret,
      federatedCredentials: [
        { issuer: `https://login.microsoftonline.com/${tenantId}/v2.0`, subject: SANDBOX_IDENTITY.managedIdentityId },
      ],
    },
  ];
  if (apps.length === 0) throw new Error('at least one app is needed');
  const channels = (options.channels ?? [{ channelId: SANDBOX_IDENTITY.channelId, appId: apps[0].clientId }]).map(
    resolveChannel,
  );
  if (channels.length === 0) throw new Error('at least one channel is needed');
  const scope = options.scope ?? `https://${organizationId.replace(/-/g, '')}-c.crm.dynamics.com/.default`;
  if (!scope.endsWith('/.default')) throw new Error('scope must end with /.default');
  return {
    tenantId,
    organizationId,
    apps,
    channels,
    scope,
    resource: scope.slice(0, -'/.default'.length),
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3599,
    acceptLegacyHeaders: options.acceptLegacyHeaders ?? false,
    pluralCreateAlias: options.pluralCreateAlias ?? true,
    requireJsonContentType: options.requireJsonContentType ?? true,
    postableStates: options.postableStates ?? ['Open', 'Active', 'Waiting'],
    contextDelayMs: options.contextDelayMs ?? 0,
    wrapUpCloseMs: options.wrapUpCloseMs === undefined ? 0 : options.wrapUpCloseMs,
    webhook: resolveWebhook(tenantId, options.webhook ?? {}),
  };
}

function resolveChannel(channel: SandboxChannel): ResolvedChannel {
  return {
    channelId: channel.channelId.toLowerCase(),
    appId: channel.appId,
    linkedToWorkstream: channel.linkedToWorkstream ?? true,
    ...(channel.webhookUrl !== undefined && { webhookUrl: checkedWebhookUrl(channel.webhookUrl) }),
  };
}

export function resolveWebhook(tenantId: string, webhook: WebhookOptions, base?: ResolvedWebhook): ResolvedWebhook {
  return {
    audience: webhook.audience ?? base?.audience,
    issuer: webhook.issuer ?? base?.issuer ?? `https://login.microsoftonline.com/${tenantId}/v2.0`,
    tokenLifetimeSeconds: webhook.tokenLifetimeSeconds ?? base?.tokenLifetimeSeconds ?? 3600,
    timeoutMs: webhook.timeoutMs ?? base?.timeoutMs ?? 10_000,
    retryDelaysMs: webhook.retryDelaysMs ?? base?.retryDelaysMs ?? [2_000, 4_000],
    eventType: webhook.eventType ?? base?.eventType ?? 'message',
    eventFrom: webhook.eventFrom ?? base?.eventFrom ?? 'sample',
    activityIds: webhook.activityIds ?? base?.activityIds ?? false,
    acceptAny2xx: webhook.acceptAny2xx ?? base?.acceptAny2xx ?? false,
    holdMs: webhook.holdMs ?? base?.holdMs ?? 1_000,
  };
}

/**
 * A base URL as the channel record holds it. How Dynamics joins a trailing slash or a query to the path is
 * unknown (docs/dynamics-protocol.md §1), so the sandbox refuses a query and drops one trailing slash.
 */
export function checkedWebhookUrl(url: string): string {
  const parsed = new URL(url); // throws on a malformed URL, which is what a test wants to hear about at once
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('webhook URL must be http(s)');
  if (parsed.search || parsed.hash) throw new Error('webhook URL must be a base URL without query or fragment');
  return url.replace(/\/$/, '');
}
