import type { Env } from '../shared/config';
import { isBridgeSetting } from '../shared/dynamics/settings';
import type { SandboxSettings } from './dynamicsSandbox/types';

const EMBEDDED = 'embedded';

/** The Key Vault (local secrets) name under which the embedded channel keeps the sandbox app's client secret. */
export const DYNAMICS_SANDBOX_SECRET_NAME = 'dynamics-client-secret';

/**
 * The DYNAMICS_* settings that point the bridge at a running Dynamics sandbox, the client secret read from the
 * secret store under `clientSecretName` (docs/dynamics.md §Try it locally).
 */
export function dynamicsSandboxEnv(s: SandboxSettings, clientSecretName: string): Record<string, string> {
  return {
    CHANNEL_EVENTS_TOPIC: 'channel-events',
    DYNAMICS_MESSAGING_URL: s.apiBaseUrl,
    DYNAMICS_ORGANIZATION_ID: s.organizationId,
    DYNAMICS_CHANNEL_ID: s.channelId,
    DYNAMICS_TENANT_ID: s.tenantId,
    DYNAMICS_APP_ID: s.appId,
    DYNAMICS_TOKEN_SCOPE: s.scope,
    DYNAMICS_AUTHORITY_HOST: s.authorityHost,
    DYNAMICS_AUTH_MODE: 'clientSecret',
    DYNAMICS_CLIENT_SECRET_NAME: clientSecretName,
    DYNAMICS_WEBHOOK_ISSUERS: s.webhookIssuer,
    DYNAMICS_WEBHOOK_JWKS_URL: s.jwksUrl,
    DYNAMICS_WEBHOOK_AUDIENCES: s.webhookAudience,
  };
}

/**
 * The settings of a local run pointed at the embedded sandbox: its endpoints and identities in place of the
 * `embedded` marker, and its client secret added to LOCAL_SECRETS. A DYNAMICS_* setting the developer gave (other
 * than the marker) is kept, so one behaviour setting can be tried without spelling out the rest.
 */
export function withEmbeddedDynamics(env: Env, sandbox: SandboxSettings, clientSecret: string): Env {
  const given = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => isBridgeSetting(name) && value && value !== EMBEDDED),
  );
  const sandboxEnv = dynamicsSandboxEnv(sandbox, DYNAMICS_SANDBOX_SECRET_NAME);
  const secretName = given.DYNAMICS_CLIENT_SECRET_NAME ?? DYNAMICS_SANDBOX_SECRET_NAME;
  return {
    ...env,
    ...sandboxEnv,
    CHANNEL_EVENTS_TOPIC: env.CHANNEL_EVENTS_TOPIC || sandboxEnv.CHANNEL_EVENTS_TOPIC,
    ...given,
    LOCAL_SECRETS: withSecret(env.LOCAL_SECRETS, secretName, clientSecret),
  };
}

/** A secret the developer put in LOCAL_SECRETS under the same name wins; JSON that is not an object is left for the config to name. */
function withSecret(localSecrets: string | undefined, name: string, value: string): string | undefined {
  let secrets: unknown = {};
  try {
    secrets = localSecrets ? JSON.parse(localSecrets) : {};
  } catch {
    return localSecrets;
  }
  if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) return localSecrets;
  return JSON.stringify({ [name]: value, ...secrets });
}
