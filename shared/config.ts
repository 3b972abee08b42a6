import { z } from 'zod';

import { isShortCode, normalizePhone } from './domain/phone';
import { type RoutingRules, routingRulesSchema } from './domain/routingRules';
import { type DynamicsSettings, readDynamicsSettings } from './dynamics/settings';
import { type Env, SettingError, settingText } from './settingReading';
import type { DeliveryMode } from './webhooks/connectionPlan';
import { readWebhookSettings, webhookSettingNames, type WebhookSettings } from './webhooks/endpointSettings';

/**
 * Every setting the bundle reads, validated once. In Azure they are app settings; locally they come from
 * local.settings.json (`Values`) or the embedded channel's defaults. A wrong setting stops the process at start
 * with a message naming it, rather than failing on the first customer message.
 */

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const autoReplyText = z.string().min(1).max(1600);

const supportNumberSchema = z
  .object({
    number: z.string(),
    type: z.enum(['longcode', 'shortcode', 'tollfree']),
    description: z.string().optional(),
    defaultLanguage: z
      .string()
      .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'a language tag such as en or en-US')
      .optional(),
    /** Texts the router sends by itself: on a new conversation, to HELP, and to confirm STOP and START. */
    autoReplies: z
      .strictObject({
        greeting: autoReplyText.optional(),
        help: autoReplyText.optional(),
        optOut: autoReplyText.optional(),
        optIn: autoReplyText.optional(),
      })
      .optional(),
  })
  .transform((n, ctx) => {
    if (n.type === 'shortcode') {
      const digits = n.number.replace(/\D/g, '');
      if (!isShortCode(digits))
        ctx.addIssue({ code: 'custom', message: 'a short code is 3 to 8 digits', path: ['number'] });
      return { ...n, number: digits };
    }
    const phone = normalizePhone(n.number);
    if (!phone.ok) {
      ctx.addIssue({ code: 'custom', message: phone.message, path: ['number'] });
      return n;
    }
    return { ...n, number: phone.digits };
  });

const accountSchema = z
  .object({
    customerId: z.string().min(1),
    /** Name of the Key Vault secret (or local secret) holding this account's API key; the key itself never sits in settings in Azure. */
    apiKeySecretName: z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, 'a Key Vault secret name: letters, digits and dashes'),
    defaultSupportNumber: z.string(),
    supportNumbers: z.array(supportNumberSchema).min(1),
  })
  .transform((a, ctx) => {
    const wanted = a.defaultSupportNumber.replace(/\D/g, '');
    const found = a.supportNumbers.find((n) => n.number === wanted);
    if (!found) {
      ctx.addIssue({
        code: 'custom',
        message: "must be one of the account's supportNumbers",
        path: ['defaultSupportNumber'],
      });
    }
    return { ...a, defaultSupportNumber: wanted };
  });

const accountsSchema = z
  .array(accountSchema)
  .min(1)
  .superRefine((accounts, ctx) => {
    const seen = new Set<string>();
    accounts.forEach((a, i) => {
      const id = a.customerId.toLowerCase();
      if (seen.has(id)) ctx.addIssue({ code: 'custom', message: 'customerId appears twice', path: [i, 'customerId'] });
      seen.add(id);
    });
  });

export type TelesignAccount = z.infer<typeof accountSchema>;

/** Azure Functions' identity-based connection convention (`<name>__fullyQualifiedNamespace`, `__clientId`), shared with the trigger. */
export type ServiceBusSettings =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; fullyQualifiedNamespace: string; clientId?: string };

export type TableSettings =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableServiceUri: string; clientId?: string };

export type SecretSettings =
  { kind: 'keyVault'; vaultUrl: string; clientId?: string } | { kind: 'local'; secrets: Record<string, string> };

export interface Config {
  accounts: TelesignAccount[];
  telesignApiBaseUrl: string;
  secrets: SecretSettings;
  secretCacheTtlMs: number;
  serviceBus: ServiceBusSettings;
  inboundQueueName: string;
  /** The topic the channel events are published to after each committed change; absent, nothing is published. */
  channelEventsTopic?: string;
  /** The Dynamics bridge (docs/dynamics.md); absent while no DYNAMICS_* setting has a value. */
  dynamics?: DynamicsSettings;
  /** The session queue the Dynamics webhook's activities wait in (session = the Dynamics conversation id). */
  dynamicsActivitiesQueue: string;
  /** The outbound webhooks (docs/webhooks.md); absent while WEBHOOK_ENDPOINTS lists none. */
  webhooks?: WebhookConfig;
  /** The session queue webhook deliveries wait in (session = endpoint and thread). */
  webhookDeliveriesQueue: string;
  tables: TableSettings;
  routingRules: RoutingRules;
  /** Idle days after which the auto-close timer closes a conversation in each state; 0 = never. */
  autoCloseDays: { open: number; active: number; waiting: number };
}

export type { Env } from './settingReading';

/** Names of every setting, so docs, samples and infrastructure tests can check they are all accounted for. */
export const settingNames = {
  accounts: 'TELESIGN_ACCOUNTS',
  telesignApiBaseUrl: 'TELESIGN_API_BASE_URL',
  keyVaultUrl: 'KEY_VAULT_URL',
  localSecrets: 'LOCAL_SECRETS',
  managedIdentityClientId: 'AZURE_CLIENT_ID',
  secretCacheTtl: 'SECRET_CACHE_TTL_SECONDS',
  serviceBusConnection: 'ServiceBusConnection',
  serviceBusNamespace: 'ServiceBusConnection__fullyQualifiedNamespace',
  serviceBusClientId: 'ServiceBusConnection__clientId',
  inboundQueueName: 'INBOUND_QUEUE_NAME',
  channelEventsTopic: 'CHANNEL_EVENTS_TOPIC',
  dynamicsActivitiesQueue: 'DYNAMICS_ACTIVITIES_QUEUE',
  webhookDeliveriesQueue: 'WEBHOOK_DELIVERIES_QUEUE',
  webhookEndpoints: webhookSettingNames.endpoints,
  webhookTimeout: webhookSettingNames.timeout,
  storageConnection: 'AzureWebJobsStorage',
  storageTableUri: 'AzureWebJobsStorage__tableServiceUri',
  storageClientId: 'AzureWebJobsStorage__clientId',
  routingRules: 'ROUTING_RULES',
  autoCloseOpenDays: 'AUTO_CLOSE_OPEN_DAYS',
  autoCloseActiveDays: 'AUTO_CLOSE_ACTIVE_DAYS',
  autoCloseWaitingDays: 'AUTO_CLOSE_WAITING_DAYS',
} as const;

function describeIssues(name: string, error: z.ZodError): string {
  const parts = error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  return `Setting ${name} is invalid: ${parts.join('; ')}`;
}

function parseJsonSetting(env: Env, name: string): unknown {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') throw new ConfigError(`Setting ${name} is missing.`);
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError(`Setting ${name} is not valid JSON.`);
  }
}

function parseSetting<T extends z.ZodType>(env: Env, name: string, schema: T, value: unknown = env[name]): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(describeIssues(name, result.error));
  return result.data;
}

const httpUrl = z.url({ protocol: /^https?$/ });

function readSecrets(env: Env): SecretSettings {
  const vaultUrl = settingText(env, settingNames.keyVaultUrl);
  const clientId = settingText(env, settingNames.managedIdentityClientId);
  if (vaultUrl)
    return { kind: 'keyVault', vaultUrl: parseSetting(env, settingNames.keyVaultUrl, httpUrl, vaultUrl), clientId };
  if (settingText(env, settingNames.localSecrets) === undefined) {
    throw new ConfigError(
      `Setting ${settingNames.keyVaultUrl} is missing (or, for a local run, ${settingNames.localSecrets}).`,
    );
  }
  const secrets = parseSetting(
    env,
    settingNames.localSecrets,
    z.record(z.string(), z.string()),
    parseJsonSetting(env, settingNames.localSecrets),
  );
  return { kind: 'local', secrets };
}

/**
 * Azure Functions' identity-based connection convention: a connection string in `name` (of `shape`, if given), or
 * else the endpoint in `name__<endpoint>` (valid for `schema`) that the managed identity `name__clientId` signs in to.
 */
function readConnection<K extends string>(
  env: Env,
  name: string,
  endpoint: K,
  { shape, schema = z.string() }: { shape?: { pattern: RegExp; what: string }; schema?: z.ZodType<string> } = {},
) {
  const connectionString = settingText(env, name);
  if (connectionString && shape && !shape.pattern.test(connectionString))
    throw new ConfigError(`Setting ${name} is not ${shape.what}.`);
  if (connectionString) return { kind: 'connectionString' as const, connectionString };
  const setting = `${name}__${endpoint}`;
  const value = settingText(env, setting);
  if (!value) throw new ConfigError(`Setting ${setting} is missing (or ${name} with a connection string).`);
  const found = { [endpoint]: parseSetting(env, setting, schema, value) } as Record<K, string>;
  return { kind: 'identity' as const, ...found, clientId: settingText(env, `${name}__clientId`) };
}

const readServiceBus = (env: Env): ServiceBusSettings =>
  readConnection(env, settingNames.serviceBusConnection, 'fullyQualifiedNamespace', {
    shape: { pattern: /Endpoint=sb:\/\//i, what: 'a Service Bus connection string (Endpoint=sb://...)' },
  });

const readTables = (env: Env): TableSettings =>
  readConnection(env, settingNames.storageConnection, 'tableServiceUri', { schema: httpUrl });

/** Off until set: a deployment without the topic keeps its reactions in-process, as before. */
function readChannelEventsTopic(env: Env): string | undefined {
  const topic = settingText(env, settingNames.channelEventsTopic);
  return topic === undefined
    ? undefined
    : parseSetting(
        env,
        settingNames.channelEventsTopic,
        z.string().regex(/^[A-Za-z0-9][\w.\-]{0,259}$/, 'a topic name'),
        topic,
      );
}

export interface WebhookConfig extends WebhookSettings {
  /** Where the deliveries go from: in Azure https only and no private address (shared/webhooks/addressPolicy.ts). */
  mode: DeliveryMode;
}

/**
 * A local run is one that reads its secrets from LOCAL_SECRETS outside App Service (which always sets
 * WEBSITE_SITE_NAME): only there may an endpoint be plain http on loopback.
 */
function readWebhooks(env: Env, secrets: SecretSettings): WebhookConfig | undefined {
  const mode: DeliveryMode = secrets.kind === 'local' && !settingText(env, 'WEBSITE_SITE_NAME') ? 'local' : 'azure';
  try {
    const settings = readWebhookSettings(env, { local: mode === 'local' });
    return settings.endpoints.length ? { ...settings, mode } : undefined;
  } catch (error) {
    if (error instanceof SettingError) throw new ConfigError(error.message);
    throw error;
  }
}

/** The bridge's own reader names its settings; its errors are start-up errors like every other setting's. */
function readDynamics(env: Env): DynamicsSettings | undefined {
  try {
    return readDynamicsSettings(env);
  } catch (error) {
    if (error instanceof SettingError) throw new ConfigError(error.message);
    throw error;
  }
}

/** Dynamics' defaults: open and active conversations close after 30 idle days, waiting ones after 7. */
function readAutoCloseDays(env: Env): Config['autoCloseDays'] {
  const days = (name: string, fallback: number) =>
    parseSetting(env, name, z.coerce.number().min(0).max(3650), settingText(env, name) ?? String(fallback));
  return {
    open: days(settingNames.autoCloseOpenDays, 30),
    active: days(settingNames.autoCloseActiveDays, 30),
    waiting: days(settingNames.autoCloseWaitingDays, 7),
  };
}

export function loadConfig(env: Env): Config {
  const accounts = parseSetting(
    env,
    settingNames.accounts,
    accountsSchema,
    parseJsonSetting(env, settingNames.accounts),
  );
  const ttlSeconds = parseSetting(
    env,
    settingNames.secretCacheTtl,
    z.coerce.number().int().min(0).max(86400),
    settingText(env, settingNames.secretCacheTtl) ?? '600',
  );
  const channelEventsTopic = readChannelEventsTopic(env);
  const dynamics = readDynamics(env);
  // The bridge reads the channel events from the topic: without it, nothing would ever reach Dynamics.
  if (dynamics && channelEventsTopic === undefined) {
    throw new ConfigError(
      `Setting ${settingNames.channelEventsTopic} is missing: the Dynamics bridge reads the channel events from that topic.`,
    );
  }
  const secrets = readSecrets(env);
  const webhooks = readWebhooks(env, secrets);
  if (webhooks && channelEventsTopic === undefined) {
    throw new ConfigError(
      `Setting ${settingNames.channelEventsTopic} is missing: the webhooks deliver the channel events of that topic.`,
    );
  }
  return {
    accounts,
    telesignApiBaseUrl: parseSetting(
      env,
      settingNames.telesignApiBaseUrl,
      httpUrl,
      settingText(env, settingNames.telesignApiBaseUrl) ?? 'https://rest-api.telesign.com',
    ).replace(/\/+$/, ''),
    secrets,
    secretCacheTtlMs: ttlSeconds * 1000,
    serviceBus: readServiceBus(env),
    inboundQueueName: parseSetting(
      env,
      settingNames.inboundQueueName,
      z.string().regex(/^[A-Za-z0-9][\w.\-]{0,259}$/, 'a queue name'),
      settingText(env, settingNames.inboundQueueName) ?? 'sms-inbound',
    ),
    channelEventsTopic,
    dynamics,
    dynamicsActivitiesQueue: parseSetting(
      env,
      settingNames.dynamicsActivitiesQueue,
      z.string().regex(/^[A-Za-z0-9][\w.\-]{0,259}$/, 'a queue name'),
      settingText(env, settingNames.dynamicsActivitiesQueue) ?? 'dynamics-activities',
    ),
    webhooks,
    webhookDeliveriesQueue: parseSetting(
      env,
      settingNames.webhookDeliveriesQueue,
      z.string().regex(/^[A-Za-z0-9][\w.\-]{0,259}$/, 'a queue name'),
      settingText(env, settingNames.webhookDeliveriesQueue) ?? 'webhook-deliveries',
    ),
    tables: readTables(env),
    routingRules: settingText(env, settingNames.routingRules)
      ? parseSetting(
          env,
          settingNames.routingRules,
          routingRulesSchema,
          parseJsonSetting(env, settingNames.routingRules),
        )
      : routingRulesSchema.parse({ defaultQueue: 'default' }),
    autoCloseDays: readAutoCloseDays(env),
  };
}

export function findAccount(accounts: readonly TelesignAccount[], customerId: string): TelesignAccount | undefined {
  const wanted = customerId.toLowerCase();
  return accounts.find((a) => a.customerId.toLowerCase() === wanted);
}
