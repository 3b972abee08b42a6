/**
 * The Entra stand-in (docs/dynamics-protocol.md §2): `POST /{tenant}/oauth2/v2.0/token` (client credentials only, the
 * exact scope) and `GET /{tenant}/discovery/v2.0/keys`. Errors use the OAuth 2.0 shape (RFC 6749 §5.2).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { BodyTooLargeError, readBody, safeDecode, sendJson } from '../sandboxRuntime/httpServer';
import { authenticateClient } from './clientAuth';
import type { SandboxConfig } from './defaults';
import { capped, type Logger } from './log';
import type { SigningKey } from './signingKey';
import { tokenClaims } from './tokens';

export interface TokenEndpointDeps {
  config: SandboxConfig;
  key: SigningKey;
  logger: Logger;
}

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const KEYS_PATH = /^\/([^/]+)\/discovery\/v2\.0\/keys$/;

export function isEntraPath(path: string): boolean {
  return TOKEN_PATH.test(path) || KEYS_PATH.test(path);
}

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

function sendOAuthError(res: ServerResponse, error: OAuthError, description: string): void {
  sendJson(res, error === 'invalid_client' ? 401 : 400, { error, error_description: description }, NO_STORE);
}

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

export async function handleEntra(
  deps: TokenEndpointDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  // Entra serves every tenant's keys at its own path; the sandbox has one key, so any tenant gets it.
  if (KEYS_PATH.test(path)) {
    if (method !== 'GET') return sendJson(res, 405, { error: 'method_not_allowed' }, { Allow: 'GET' });
    return sendJson(res, 200, deps.key.jwks());
  }
  if (method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' }, { Allow: 'POST' });
  const tenant = safeDecode(TOKEN_PATH.exec(path)![1]).toLowerCase();
  if (tenant !== deps.config.tenantId) {
    return sendOAuthError(res, 'invalid_request', `Tenant '${capped(tenant, 64)}' not found.`);
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, 64 * 1024);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return sendJson(
      res,
      413,
      { error: 'invalid_request', error_description: 'Body too large.' },
      { Connection: 'close' },
    );
  }
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (!contentType.startsWith('application/x-www-form-urlencoded')) {
    return sendOAuthError(res, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
  }
  const form = new URLSearchParams(raw.toString('utf8'));
  const grantType = form.get('grant_type');
  if (!grantType) return sendOAuthError(res, 'invalid_request', "The request body must contain 'grant_type'.");
  if (grantType !== 'client_credentials') {
    return sendOAuthError(res, 'unsupported_grant_type', 'Only client_credentials is supported.');
  }
  const clientId = form.get('client_id');
  if (!clientId) return sendOAuthError(res, 'invalid_request', "The request body must contain 'client_id'.");
  const app = deps.config.apps.find((a) => a.clientId.toLowerCase() === clientId.toLowerCase());
  if (!app) {
    deps.logger.warn('dynamics sandbox: token refused', { reason: 'unknown client', clientId: capped(clientId, 64) });
    return sendOAuthError(res, 'invalid_client', `Application '${capped(clientId, 64)}' was not found in the tenant.`);
  }
  const auth = authenticateClient(app, form);
  if (!auth.ok) {
    deps.logger.warn('dynamics sandbox: token refused', { reason: auth.error, clientId: app.clientId });
    return sendOAuthError(res, auth.error, auth.detail);
  }
  const scope = form.get('scope');
  if (!scope) return sendOAuthError(res, 'invalid_request', "The request body must contain 'scope'.");
  if (scope !== deps.config.scope) {
    return sendOAuthError(res, 'invalid_scope', `The scope '${capped(scope, 200)}' is not valid for this resource.`);
  }
  const expiresIn = deps.config.accessTokenLifetimeSeconds;
  const accessToken = await deps.key.sign(tokenClaims('access', deps.config, app.clientId));
  deps.logger.info('dynamics sandbox: token issued', { clientId: app.clientId, expiresIn });
  return sendJson(res, 200, { token_type: 'Bearer', expires_in: expiresIn, access_token: accessToken }, NO_STORE);
}
