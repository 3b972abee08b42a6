import { z } from 'zod';

import { type PhoneFormat, phoneFormats } from '../domain/phoneFormat';
import { TEXT_MAX } from '../domain/text';
/**
 * Settings of the Dynamics bridge (docs/dynamics.md). The bridge is off while no `DYNAMICS_*` setting has a
 * value, so a deployment without Contact Center runs as before; once one is set, the required ones must be too,
 * and every error names the setting at fault. Where the protocol leaves a behaviour open
 * (docs/dynamics-protocol.md §2, §5, §6), the recommended one is the default and a setting changes it.
 */
import { type Env, SettingError, settingText } from '../settingReading';

export type { Env } from '../settingReading';
export { SettingError as DynamicsSettingError } from '../settingReading';

export const dynamicsSettingNames = {
  messagingUrl: 'DYNAMICS_MESSAGING_URL',
  organizationId: 'DYNAMICS_ORGANIZATION_ID',
  channelId: 'DYNAMICS_CHANNEL_ID',
  tenantId: 'DYNAMICS_TENANT_ID',
  appId: 'DYNAMICS_APP_ID',
  tokenScope: 'DYNAMICS_TOKEN_SCOPE',
  authMode: 'DYNAMICS_AUTH_MODE',
  managedIdentityClientId: 'DYNAMICS_MANAGED_IDENTITY_CLIENT_ID',
  assertionScope: 'DYNAMICS_ASSERTION_SCOPE',
  clientSecretName: 'DYNAMICS_CLIENT_SECRET_NAME',
  authorityHost: 'DYNAMICS_AUTHORITY_HOST',
  phoneFormat: 'DYNAMICS_CUSTOMER_PHONE_FORMAT',
  webhookAuth: 'DYNAMICS_WEBHOOK_AUTH',
  webhookIssuers: 'DYNAMICS_WEBHOOK_ISSUERS',
  webhookJwksUrl: 'DYNAMICS_WEBHOOK_JWKS_URL',
  webhookAudiences: 'DYNAMICS_WEBHOOK_AUDIENCES',
  webhookTenantId: 'DYNAMICS_WEBHOOK_TENANT_ID',
  webhookAppIds: 'DYNAMICS_WEBHOOK_APP_IDS',
  webhookClockSkew: 'DYNAMICS_WEBHOOK_CLOCK_SKEW_SECONDS',
  onNotFound: 'DYNAMICS_ON_CONVERSATION_NOT_FOUND',
  timeout: 'DYNAMICS_TIMEOUT_SECONDS',
  tokenRefreshMargin: 'DYNAMICS_TOKEN_REFRESH_MARGIN_SECONDS',
  smsSplitLength: 'DYNAMICS_SMS_SPLIT_LENGTH',
  agentAttachments: 'DYNAMICS_AGENT_ATTACHMENTS',
  skipDeflectionBot: 'DYNAMICS_SKIP_DEFLECTION_BOT',
} as const;

/** The managed identity this setting falls back to, the same one the rest of the bundle uses. */
const SHARED_MANAGED_IDENTITY_CLIENT_ID = 'AZURE_CLIENT_ID';

export type DynamicsAuth =
  /** ClientAssertionCredential: the managed identity's token for `assertionScope` is the assertion (no secret). */
  | { mode: 'managedIdentity'; managedIdentityClientId?: string; assertionScope: string }
  /** ClientSecretCredential with the secret read from Key Vault (or the local secrets) under this name. */
  | { mode: 'clientSecret'; clientSecretName: string };

export interface WebhookAuthSettings {
  /** `off` accepts unsigned webhooks: only for a trial without the federated credential. */
  mode: 'required' | 'off';
  issuers: string[];
  jwksUrl: string;
  audiences: string[];
  tenantId: string;
  /** Accepted values of the token's `azp` (v2) or `appid` (v1) claim. */
  appIds: string[];
  clockSkewSeconds: number;
}

export interface DynamicsSettings {
  /** `https://m-{org}.{geo}.omnichannelengagementhub.com`, no trailing slash. */
  messagingUrl: string;
  organizationId: string;
  channelId: string;
  tenantId: string;
  appId: string;
  /** Read whole: how the scope's host is derived from the organisation is not documented. */
  tokenScope: string;
  auth: DynamicsAuth;
  /** Entra's login host, or a local stand-in for it; no trailing slash. */
  authorityHost: string;
  phoneFormat: PhoneFormat;
  webhook: WebhookAuthSettings;
  /**
   * A 404 on a stored conversation means it closed in Dynamics: `recreate` closes ours and opens a new one there;
   * `deadLetter` leaves the event for an operator instead.
   */
  onConversationNotFound: 'recreate' | 'deadLetter';
  requestTimeoutMs: number;
  tokenRefreshMarginMs: number;
  /** Longest SMS part an agent reply is split into. */
  smsSplitLength: number;
  /** What the customer gets for an agent's attachment: its link, or only a notice that one was sent. */
  agentAttachments: 'link' | 'notice';
  skipDeflectionBot: boolean;
}

const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
const DEFAULT_ASSERTION_SCOPE = 'api://AzureADTokenExchange/.default';

const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a GUID such as 0b2e5a7c-…')
  .transform((s) => s.toLowerCase());
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });
const secretName = z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, 'a Key Vault secret name: letters, digits and dashes');
const scope = z.string().regex(/^\S{1,500}$/, 'a scope such as https://….dynamics.com/.default, without spaces');
const listOf = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1, 'at least one value, comma-separated'));
const seconds = (min: number, max: number) => z.coerce.number().min(min).max(max);
const bool = z.enum(['true', 'false'], { error: 'true or false' }).transform((s) => s === 'true');

function read<T extends z.ZodType>(env: Env, name: string, schema: T, fallback?: string): z.output<T> {
  const value = settingText(env, name) ?? fallback;
  if (value === undefined) throw new SettingError(name, `Setting ${name} is missing.${onBecause(env)}`);
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new SettingError(name, `Setting ${name} is invalid: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  return result.data;
}

/** Says which setting switched the bridge on, for the operator who set one by mistake. */
function onBecause(env: Env): string {
  const first = presentDynamicsSettings(env)[0];
  return first ? ` (the Dynamics bridge is on because ${first} is set)` : '';
}

/** A setting of the bridge. The activities queue's name is the bundle's, set whether or not the bridge is on. */
export const isBridgeSetting = (name: string) => name.startsWith('DYNAMICS_') && name !== 'DYNAMICS_ACTIVITIES_QUEUE';

function presentDynamicsSettings(env: Env): string[] {
  return Object.keys(env)
    .filter((k) => isBridgeSetting(k) && settingText(env, k) !== undefined)
    .sort();
}

const trimSlashes = (url: string) => url.replace(/\/+$/, '');

export function readDynamicsSettings(env: Env): DynamicsSettings | undefined {
  if (presentDynamicsSettings(env).length === 0) return undefined;
  const n = dynamicsSettingNames;

  const tenantId = read(env, n.tenantId, guid);
  const appId = read(env, n.appId, guid);
  // http only for a local stand-in: Entra is https, and the identity library takes nothing else (credential.ts).
  const authorityHost = trimSlashes(read(env, n.authorityHost, httpUrl, DEFAULT_AUTHORITY_HOST));

  return {
    messagingUrl: trimSlashes(read(env, n.messagingUrl, httpUrl)),
    organizationId: read(env, n.organizationId, guid),
    channelId: read(env, n.channelId, guid),
    tenantId,
    appId,
    tokenScope: read(env, n.tokenScope, scope),
    auth: readAuth(env),
    authorityHost,
    phoneFormat: read(env, n.phoneFormat, z.enum(phoneFormats, { error: phoneFormats.join(', ') }), 'e164'),
    webhook: readWebhook(env, { tenantId, appId, authorityHost }),
    onConversationNotFound: read(
      env,
      n.onNotFound,
      z.enum(['recreate', 'deadLetter'], { error: 'recreate or deadLetter' }),
      'recreate',
    ),
    requestTimeoutMs: read(env, n.timeout, seconds(1, 120), '10') * 1000,
    tokenRefreshMarginMs: read(env, n.tokenRefreshMargin, seconds(0, 1800), '300') * 1000,
    smsSplitLength: read(env, n.smsSplitLength, z.coerce.number().int().min(70).max(TEXT_MAX), String(TEXT_MAX)),
    agentAttachments: read(env, n.agentAttachments, z.enum(['link', 'notice'], { error: 'link or notice' }), 'link'),
    skipDeflectionBot: read(env, n.skipDeflectionBot, bool, 'false'),
  };
}

function readAuth(env: Env): DynamicsAuth {
  const n = dynamicsSettingNames;
  const mode = read(
    env,
    n.authMode,
    z.enum(['managedIdentity', 'clientSecret'], { error: 'managedIdentity or clientSecret' }),
    'managedIdentity',
  );
  if (mode === 'clientSecret') return { mode, clientSecretName: read(env, n.clientSecretName, secretName) };
  const clientIdSetting = settingText(env, n.managedIdentityClientId)
    ? n.managedIdentityClientId
    : SHARED_MANAGED_IDENTITY_CLIENT_ID;
  return {
    mode,
    // Neither set: the system-assigned identity.
    managedIdentityClientId:
      settingText(env, clientIdSetting) === undefined ? undefined : read(env, clientIdSetting, guid),
    assertionScope: read(env, n.assertionScope, scope, DEFAULT_ASSERTION_SCOPE),
  };
}

/**
 * The claims of Dynamics' webhook token are not documented; the defaults are what a token issued by Entra to
 * the registered app for its own Application ID URI carries (v1 and v2 issuers both accepted).
 */
function readWebhook(env: Env, app: { tenantId: string; appId: string; authorityHost: string }): WebhookAuthSettings {
  const n = dynamicsSettingNames;
  const tenantId = read(env, n.webhookTenantId, guid, app.tenantId);
  return {
    mode: read(env, n.webhookAuth, z.enum(['required', 'off'], { error: 'required or off' }), 'required'),
    issuers: read(
      env,
      n.webhookIssuers,
      listOf(z.string().max(500)),
      `https://sts.windows.net/${tenantId}/,${app.authorityHost}/${tenantId}/v2.0`,
    ),
    jwksUrl: read(env, n.webhookJwksUrl, httpUrl, `${app.authorityHost}/${tenantId}/discovery/v2.0/keys`),
    audiences: read(env, n.webhookAudiences, listOf(z.string().max(500)), `api://${app.appId},${app.appId}`),
    tenantId,
    appIds: read(env, n.webhookAppIds, listOf(guid), app.appId),
    clockSkewSeconds: read(env, n.webhookClockSkew, seconds(0, 3600), '300'),
  };
}
