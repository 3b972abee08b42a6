import type { SandboxSettings } from '../../local/dynamicsSandbox/types';

/** The DYNAMICS_* settings that point the bridge at a running Dynamics sandbox (client secret from Key Vault). */
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
