import { z } from 'zod';

import { isWebhookEventType, type WebhookEventSelection, webhookEventTypes } from '../domain/webhookEventTypes';
import { type Env, SettingError, settingText } from '../settingReading';
import { addressRefusal, isLoopbackHost, NOT_AN_ADDRESS } from './addressPolicy';

/**
 * The webhook endpoints (docs/architecture.md §Outbound webhooks): who gets which channel events, signed with which Key Vault secret.
 * No endpoint is the default, so a deployment that sets nothing delivers nothing. Every error names the setting,
 * the endpoint's index in the array and what is wrong, and stops the process at start like any other setting.
 */

export const webhookSettingNames = {
  endpoints: 'WEBHOOK_ENDPOINTS',
  timeout: 'WEBHOOK_TIMEOUT_SECONDS',
} as const;

export { type Env, SettingError as WebhookSettingError } from '../settingReading';

export interface WebhookEndpoint {
  /**
   * For logs and health: the endpoint's host unless the setting names it. Logs use it and never the url, whose
   * query can carry a credential (Power Automate's `sig`, a Function's `code`).
   */
  name: string;
  /** Normalised by the URL parser (lower-case host, default port dropped). */
  url: string;
  /** The Key Vault secret (or local secret) that holds the `whsec_` signing secret; the secret itself is never in settings. */
  secretName: string;
  events: WebhookEventSelection;
}

export interface WebhookSettings {
  endpoints: WebhookEndpoint[];
  timeoutMs: number;
}

export interface WebhookParseOptions {
  /** A local run (`npm start`): plain http is allowed, to a loopback host only. */
  local: boolean;
}

const DEFAULT_TIMEOUT_SECONDS = 15;

/** What the URL may not be, in the words an operator reads; undefined when it is fine. */
function urlProblem(raw: string, { local }: WebhookParseOptions): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must be an https URL, not ${url.protocol}`;
  // A password in a setting is a secret outside Key Vault, and it would be logged with the URL.
  if (url.username || url.password)
    return 'must not hold a user name or password (user:pass@); the signature is the authentication';
  // A fragment is never sent, so an endpoint told apart by it would get another endpoint's deliveries.
  if (raw.includes('#')) return 'must not have a #fragment';
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:') {
    if (!local) return 'must use https in Azure (plain http is allowed only for a loopback host in a local run)';
    if (!loopback) return 'may use plain http only for a loopback host (localhost, 127.0.0.1, [::1]); use https';
  }
  if (!local) {
    // The URL parser has lower-cased the host already.
    const host = url.hostname.replace(/\.$/, '');
    if (host === 'localhost' || host.endsWith('.localhost')) {
      return 'must not point at localhost in Azure';
    }
    // A host given as an address is judged now; a name is judged on each delivery, by what it resolves to.
    const refusal = addressRefusal(url.hostname);
    if (refusal && refusal !== NOT_AN_ADDRESS) return `must not point at ${url.hostname} in Azure: it is ${refusal}`;
  }
  return undefined;
}

/** Missing and of the wrong type are different mistakes, and an operator fixes them differently. */
const required = (field: string, what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `${field} is required: ${what}` : `${field} must be ${what}`;

const secretName = z
  .string({ error: required('secretName', 'the name of the Key Vault secret that holds the signing secret') })
  .regex(/^[0-9a-zA-Z-]{1,127}$/, 'secretName must be a Key Vault secret name: 1 to 127 letters, digits and dashes');

const events = z
  .array(z.string(), { error: required('events', 'a list of event types, or ["*"]') })
  .min(1, `events must list at least one event type, or be ["*"]`)
  .superRefine((list, ctx) => {
    if (list.includes('*')) {
      if (list.length > 1) ctx.addIssue({ code: 'custom', message: 'events may hold "*" only on its own: ["*"]' });
      return;
    }
    const seen = new Set<string>();
    for (const type of list) {
      if (!isWebhookEventType(type)) {
        ctx.addIssue({
          code: 'custom',
          message: `events holds "${type}", which is not an event type (one of ${webhookEventTypes.join(', ')}, or ["*"])`,
        });
      } else if (seen.has(type)) {
        ctx.addIssue({ code: 'custom', message: `events lists "${type}" twice` });
      }
      seen.add(type);
    }
  })
  .transform((list) => list as unknown as WebhookEventSelection);

const name = z
  .string()
  .trim()
  .min(1, 'name must not be empty (leave it out to use the host)')
  .max(100, 'name must be at most 100 characters')
  .regex(/^[^\p{Cc}]*$/u, 'name must not hold control characters');

const knownKeys = ['name', 'url', 'secretName', 'events'];

function endpointSchema(options: WebhookParseOptions) {
  return z
    .object(
      {
        name: name.optional(),
        url: z
          .string({ error: required('url', 'an https URL') })
          .superRefine((raw, ctx) => {
            const problem = urlProblem(raw, options);
            if (problem) ctx.addIssue({ code: 'custom', message: `url ${problem}` });
          })
          .transform((raw) => new URL(raw).href),
        secretName,
        events,
      },
      { error: 'must be an object with url, secretName and events' },
    )
    .loose()
    .superRefine((endpoint, ctx) => {
      for (const key of Object.keys(endpoint).filter((k) => !knownKeys.includes(k))) {
        const message = /secret/i.test(key)
          ? `"${key}" is not a setting of an endpoint: keep the signing secret in Key Vault and give its name in secretName`
          : `"${key}" is not a setting of an endpoint (${knownKeys.join(', ')})`;
        ctx.addIssue({ code: 'custom', message });
      }
    })
    .transform((e): WebhookEndpoint => ({
      name: e.name ?? new URL(e.url).host,
      url: e.url,
      secretName: e.secretName,
      events: e.events,
    }));
}

/** The setting's JSON, parsed: an array of endpoints, no two with the same url or name. */
export function webhookEndpointsSchema(options: WebhookParseOptions) {
  return (
    z
      .array(endpointSchema(options), { error: 'must be a JSON array of endpoints ([] for none)' })
      // A transform, not a refinement: it runs only once every endpoint parsed, so each has its url and name.
      .transform((endpoints, ctx) => {
        const urls = new Map<string, number>();
        const names = new Map<string, number>();
        endpoints.forEach((e, i) => {
          const sameUrl = urls.get(e.url);
          if (sameUrl !== undefined) {
            ctx.addIssue({
              code: 'custom',
              message: `url is the same as the endpoint at index ${sameUrl}'s`,
              path: [i],
            });
          }
          const sameName = names.get(e.name.toLowerCase());
          if (sameName !== undefined && sameUrl === undefined) {
            ctx.addIssue({
              code: 'custom',
              message: `name "${e.name}" is also the endpoint at index ${sameName}'s; give each endpoint a distinct name`,
              path: [i],
            });
          }
          urls.set(e.url, urls.get(e.url) ?? i);
          names.set(e.name.toLowerCase(), names.get(e.name.toLowerCase()) ?? i);
        });
        return endpoints;
      })
  );
}

function describeIssues(setting: string, issues: z.core.$ZodIssue[]): string {
  const parts = issues.map((issue) => {
    const [index, field] = issue.path;
    // Our own messages start with the field they are about; zod's (a number where a string goes) do not.
    const message =
      typeof field === 'string' && !issue.message.startsWith(field) ? `${field}: ${issue.message}` : issue.message;
    return typeof index === 'number' ? `the endpoint at index ${index}: ${message}` : message;
  });
  return `Setting ${setting} is invalid: ${parts.join('; ')}.`;
}

export function readWebhookEndpoints(env: Env, options: WebhookParseOptions): WebhookEndpoint[] {
  const setting = webhookSettingNames.endpoints;
  const raw = settingText(env, setting);
  if (raw === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new SettingError(setting, `Setting ${setting} is not valid JSON.`);
  }
  const result = webhookEndpointsSchema(options).safeParse(json);
  if (!result.success) throw new SettingError(setting, describeIssues(setting, result.error.issues));
  return result.data;
}

export function readWebhookTimeoutMs(env: Env): number {
  const setting = webhookSettingNames.timeout;
  const raw = settingText(env, setting) ?? String(DEFAULT_TIMEOUT_SECONDS);
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 60) {
    throw new SettingError(setting, `Setting ${setting} is invalid: a number of seconds from 1 to 60.`);
  }
  return seconds * 1000;
}

export function readWebhookSettings(env: Env, options: WebhookParseOptions): WebhookSettings {
  return { endpoints: readWebhookEndpoints(env, options), timeoutMs: readWebhookTimeoutMs(env) };
}
