import {
  AzureAuthorityHosts,
  ClientAssertionCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';

import { createPlainTokenRequest } from './plainTokenRequest';
import type { DynamicsAuth } from './settings';
import type { AccessTokenSource } from './tokenProvider';

/**
 * The Entra app's credential for the Messaging API (docs/dynamics-protocol.md §2). In Azure the app has no secret: a
 * federated credential trusts the function's managed identity, whose token for the exchange audience is the
 * client assertion. The alternative is a client secret read from Key Vault when a credential is built, so a
 * rotated secret is picked up at the next rebuild (after a 401).
 */
export interface DynamicsCredentialOptions {
  tenantId: string;
  appId: string;
  authorityHost: string;
  auth: DynamicsAuth;
  /** Reads a secret by name (Key Vault or local secrets); needed in `clientSecret` mode. */
  getSecret?: (name: string) => Promise<string>;
  /** Stands in for the managed identity (tests, or a host with another way to get an assertion). */
  assertionSource?: TokenCredential;
  /** PEM of a CA to trust for the authority, for a local authority with its own certificate. */
  authorityCa?: string;
}

const knownAuthorities = new Set<string>(
  Object.values(AzureAuthorityHosts).map((h) => h.replace(/\/+$/, '').toLowerCase()),
);

/**
 * Builds a fresh credential on each call: see createTokenProvider's `createCredential`. An `http:` authority
 * (a local stand-in; @azure/identity takes https only) gets the plain token request instead.
 */
export function dynamicsCredentialFactory(options: DynamicsCredentialOptions): () => Promise<AccessTokenSource> {
  if (new URL(options.authorityHost).protocol === 'http:') return plainFactory(options);
  const common = {
    authorityHost: options.authorityHost,
    // Instance discovery asks login.microsoftonline.com about the authority; a local one is unknown there.
    disableInstanceDiscovery: !knownAuthorities.has(options.authorityHost.replace(/\/+$/, '').toLowerCase()),
    ...(options.authorityCa ? { tlsOptions: { ca: options.authorityCa } } : {}),
  };
  const auth = options.auth;

  if (auth.mode === 'clientSecret') {
    const getSecret = options.getSecret;
    if (!getSecret) throw new TypeError('clientSecret mode needs getSecret');
    return async () =>
      new ClientSecretCredential(options.tenantId, options.appId, await getSecret(auth.clientSecretName), common);
  }

  const assertion = assertionReader(options, auth);
  return async () => new ClientAssertionCredential(options.tenantId, options.appId, assertion, common);
}

function plainFactory(options: DynamicsCredentialOptions): () => Promise<AccessTokenSource> {
  const tokenUrl = `${options.authorityHost.replace(/\/+$/, '')}/${options.tenantId}/oauth2/v2.0/token`;
  const auth = options.auth;
  if (auth.mode === 'clientSecret') {
    const getSecret = options.getSecret;
    if (!getSecret) throw new TypeError('clientSecret mode needs getSecret');
    return async () =>
      createPlainTokenRequest({
        tokenUrl,
        clientId: options.appId,
        client: { secret: await getSecret(auth.clientSecretName) },
      });
  }
  const assertion = assertionReader(options, auth);
  return async () => createPlainTokenRequest({ tokenUrl, clientId: options.appId, client: { assertion } });
}

/** One managed identity credential for the process: its tokens are the assertions, and it caches them itself. */
function assertionReader(
  options: DynamicsCredentialOptions,
  auth: Extract<DynamicsAuth, { mode: 'managedIdentity' }>,
): () => Promise<string> {
  const identity =
    options.assertionSource ??
    (auth.managedIdentityClientId
      ? new ManagedIdentityCredential({ clientId: auth.managedIdentityClientId })
      : new ManagedIdentityCredential());
  return async () => {
    const token = await identity.getToken(auth.assertionScope);
    if (!token) throw new Error('The managed identity returned no token for the client assertion.');
    return token.token;
  };
}
