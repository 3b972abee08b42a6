import type { DynamicsSandbox } from '../../local/dynamicsSandbox';
import { dynamicsCredentialFactory } from '../../shared/dynamics/credential';
import { createMessagingClient, type MessagingClient } from '../../shared/dynamics/messagingClient';
import { createTokenProvider } from '../../shared/dynamics/tokenProvider';

/** Our Messaging API client pointed at a Dynamics sandbox, signing in with the sandbox's client secret. */
export function sandboxMessagingClient(sandbox: DynamicsSandbox, clientSecretName: string): MessagingClient {
  const settings = sandbox.settings();
  return createMessagingClient({
    baseUrl: settings.apiBaseUrl,
    organizationId: settings.organizationId,
    channelId: settings.channelId,
    tokens: createTokenProvider({
      scope: settings.scope,
      createCredential: dynamicsCredentialFactory({
        tenantId: settings.tenantId,
        appId: settings.appId,
        authorityHost: settings.authorityHost,
        auth: { mode: 'clientSecret', clientSecretName },
        getSecret: async () => sandbox.clientSecret()!,
      }),
    }),
  });
}
