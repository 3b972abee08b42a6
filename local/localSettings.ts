import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { ConfigError, type Env } from '../shared/config';
import { isBridgeSetting } from '../shared/dynamics/settings';

/**
 * Settings for the embedded channel: `local.settings.json` (the Functions format, `Values`) when it exists,
 * over built-in defaults that make every part embedded. A setting that points at a real service is kept, and
 * that part is not embedded (see `embeddedParts`).
 */
export const SANDBOX_ACCOUNT = {
  customerId: 'FFFFFFFF-EEEE-DDDD-1234-AB1234567890',
  apiKey: 'VGVzdCBLZXk=',
  apiKeySecretName: 'telesign-api-key',
  supportNumber: '14252306549',
};

export const LOCAL_FUNCTION_KEY = 'local-function-key';
export const LOCAL_ADMIN_KEY = 'local-admin-key';

/**
 * The local secret a webhook endpoint of a local run signs with, and that `npm run sms -- webhooks listen` verifies
 * with: name it as the endpoint's `secretName` in WEBHOOK_ENDPOINTS.
 */
export const LOCAL_WEBHOOK_SECRET_NAME = 'webhook-local';
/**
 * A local development secret, not a secret: it is public (it is in this repository and the README), so an endpoint
 * that trusts it trusts anyone. It is in the Standard Webhooks form, `whsec_` and a 32-byte key in base64; Azure
 * signs with a secret from Key Vault instead.
 */
export const LOCAL_WEBHOOK_SECRET = 'whsec_vGf9m2HRX3YIznYVlv3goX9iMs2Cun72ee0+/JxkQRk=';

/** Seconds between runs of every timer function, instead of its schedule: to watch the hourly auto-close work. */
export const LOCAL_TIMER_INTERVAL_SECONDS = 'LOCAL_TIMER_INTERVAL_SECONDS';

/**
 * The embedded broker's duplicate-detection window, in seconds, for every queue and topic it declares: a message id
 * seen again inside it is dropped. Shortened by tests that resend a callback after the window, so that only the
 * router's own markers stand between a late resend and a second message.
 */
export const LOCAL_DUPLICATE_WINDOW_SECONDS = 'LOCAL_DUPLICATE_WINDOW_SECONDS';

export const defaultPorts = { http: 7071, sandbox: 7072, broker: 5672, tables: 10002, dynamics: 7073 };

const EMBEDDED = 'embedded';
/** `DYNAMICS_MESSAGING_URL` set to this switches the bridge off in a local run (an empty value is ignored there). */
export const BRIDGE_OFF = 'off';

export const localDefaults: Env = {
  TELESIGN_ACCOUNTS: JSON.stringify([
    {
      customerId: SANDBOX_ACCOUNT.customerId,
      apiKeySecretName: SANDBOX_ACCOUNT.apiKeySecretName,
      defaultSupportNumber: SANDBOX_ACCOUNT.supportNumber,
      supportNumbers: [
        {
          number: SANDBOX_ACCOUNT.supportNumber,
          type: 'longcode',
          description: 'Sandbox support line',
          defaultLanguage: 'en-US',
          autoReplies: {
            help: 'Contoso support: reply with your question and an agent will answer. Reply STOP to opt out.',
            optOut: 'You will no longer receive messages from Contoso support. Reply START to opt back in.',
            optIn: 'Welcome back: you will receive messages from Contoso support again.',
          },
        },
      ],
    },
  ]),
  LOCAL_SECRETS: JSON.stringify({
    [SANDBOX_ACCOUNT.apiKeySecretName]: SANDBOX_ACCOUNT.apiKey,
    [LOCAL_WEBHOOK_SECRET_NAME]: LOCAL_WEBHOOK_SECRET,
  }),
  INBOUND_QUEUE_NAME: 'sms-inbound',
  CHANNEL_EVENTS_TOPIC: 'channel-events',
  DYNAMICS_ACTIVITIES_QUEUE: 'dynamics-activities',
  WEBHOOK_DELIVERIES_QUEUE: 'webhook-deliveries',
  ServiceBusConnection: EMBEDDED,
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  TELESIGN_API_BASE_URL: EMBEDDED,
  // The Dynamics sandbox plays Contact Center; its endpoints, identities and client secret fill the other
  // DYNAMICS_* settings when it starts (local/dynamicsSandboxSettings.ts).
  DYNAMICS_MESSAGING_URL: EMBEDDED,
  LOCAL_FUNCTION_KEY,
  LOCAL_ADMIN_KEY,
  // Empty: each timer runs on its own schedule, as in Azure.
  [LOCAL_TIMER_INTERVAL_SECONDS]: '',
  // Empty: the embedded broker's default window, 10 minutes.
  [LOCAL_DUPLICATE_WINDOW_SECONDS]: '',
};

export function readLocalSettings(dir = process.cwd()): { env: Env; source: string } {
  const file = path.join(dir, 'local.settings.json');
  if (!existsSync(file)) return { env: { ...localDefaults }, source: 'built-in defaults (no local.settings.json)' };
  let parsed: { Values?: Record<string, unknown> };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${file} is not valid JSON.`);
  }
  const values = Object.fromEntries(
    Object.entries(parsed.Values ?? {}).map(([k, v]) => [k, v === null || v === undefined ? undefined : String(v)]),
  );
  const env: Env = { ...localDefaults };
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') env[k] = v;
  return { env, source: file };
}

/** Which parts to run in-process: those whose setting is absent, `embedded`, or the development shorthand. */
export function embeddedParts(env: Env) {
  const sb = env.ServiceBusConnection?.trim() ?? '';
  const storage = env.AzureWebJobsStorage?.trim() ?? '';
  const telesign = env.TELESIGN_API_BASE_URL?.trim() ?? '';
  return {
    broker: !env.ServiceBusConnection__fullyQualifiedNamespace && (sb === '' || sb === EMBEDDED),
    tables: !env.AzureWebJobsStorage__tableServiceUri && (storage === '' || storage === 'UseDevelopmentStorage=true'),
    sandbox: telesign === '' || telesign === EMBEDDED,
    // Unlike the others, absent means off: the bridge is optional (docs/dynamics.md).
    dynamics: env.DYNAMICS_MESSAGING_URL?.trim() === EMBEDDED,
  };
}

/**
 * The settings with the bridge switched off when `DYNAMICS_MESSAGING_URL` says `off`: no bridge setting left. The
 * activities queue's name stays: it names an entity of the channel, declared whether or not the bridge is on.
 */
export function withLocalBridgeSwitch(env: Env): Env {
  if (env.DYNAMICS_MESSAGING_URL?.trim() !== BRIDGE_OFF) return env;
  return Object.fromEntries(Object.entries(env).filter(([name]) => !isBridgeSetting(name)));
}

/** The pause between timer runs that LOCAL_TIMER_INTERVAL_SECONDS asks for; undefined keeps the schedules. */
export function localTimerIntervalMs(env: Env): number | undefined {
  const raw = env[LOCAL_TIMER_INTERVAL_SECONDS]?.trim();
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86400)
    throw new ConfigError(
      `Setting ${LOCAL_TIMER_INTERVAL_SECONDS} is invalid: a number of seconds above 0 and at most 86400 (or empty).`,
    );
  return seconds * 1000;
}

/** Service Bus allows a duplicate-detection window of at most 7 days. */
const MAX_DUPLICATE_WINDOW_SECONDS = 7 * 86400;

/** The duplicate-detection window LOCAL_DUPLICATE_WINDOW_SECONDS asks for; undefined keeps the broker's default. */
export function localDuplicateWindowMs(env: Env): number | undefined {
  const raw = env[LOCAL_DUPLICATE_WINDOW_SECONDS]?.trim();
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_DUPLICATE_WINDOW_SECONDS)
    throw new ConfigError(
      `Setting ${LOCAL_DUPLICATE_WINDOW_SECONDS} is invalid: a number of seconds above 0 and at most ${MAX_DUPLICATE_WINDOW_SECONDS} (7 days), or empty.`,
    );
  return seconds * 1000;
}
