/**
 * The claims of the two kinds of token the sandbox signs, and the check of the access tokens the consumer API
 * receives. Which claims Dynamics checks is not documented (docs/dynamics-protocol.md §2): the sandbox checks
 * signature, expiry, audience (the scope's resource), issuer and tenant, and hands the app id on for the channel
 * check.
 */
import { errors, type JWTPayload } from 'jose';

import { accessTokenIssuer, SANDBOX_IDENTITY, type SandboxConfig } from './defaults';
import type { SigningKey } from './signingKey';
import type { TokenOverrides } from './types';

/** The two kinds: an access token the token endpoint issues, and a token Dynamics presents to our webhook. */
export type TokenKind = 'access' | 'webhook';

interface ClaimDefaults {
  audience: string;
  issuer: string;
  lifetimeSeconds: number;
}

/** What a kind of token carries unless a test overrides it; `tenantId` is the overridden tenant, if any. */
const KIND_DEFAULTS: Record<
  TokenKind,
  (config: SandboxConfig, appId: string, tenantId: string | undefined) => ClaimDefaults
> = {
  access: (config, _appId, tenantId) => ({
    audience: config.resource,
    issuer: accessTokenIssuer(tenantId ?? config.tenantId),
    lifetimeSeconds: config.accessTokenLifetimeSeconds,
  }),
  /**
   * A token obtained as our app (docs/dynamics-protocol.md §5), so `azp`/`appid` are the channel's app id and `tid`
   * the tenant. A token "from another tenant" gets that tenant's issuer too.
   */
  webhook: (config, appId, tenantId) => ({
    audience: config.webhook.audience ?? `api://${appId}`,
    issuer: tenantId ? accessTokenIssuer(tenantId) : config.webhook.issuer,
    lifetimeSeconds: config.webhook.tokenLifetimeSeconds,
  }),
};

/** The claims of a `kind` token for the app `appId`, each of them overridable to probe the receiver's checks. */
export function tokenClaims(
  kind: TokenKind,
  config: SandboxConfig,
  appId: string,
  overrides: TokenOverrides = {},
  now = Date.now(),
): JWTPayload {
  const defaults = KIND_DEFAULTS[kind](config, appId, overrides.tenantId);
  const lifetimeSeconds = overrides.expiresInSeconds ?? defaults.lifetimeSeconds;
  const subjectAppId = overrides.appId ?? appId;
  const iat = Math.floor(now / 1000);
  return {
    aud: overrides.audience ?? defaults.audience,
    iss: overrides.issuer ?? defaults.issuer,
    iat,
    nbf: Math.min(iat, iat + lifetimeSeconds),
    exp: iat + lifetimeSeconds,
    tid: overrides.tenantId ?? config.tenantId,
    appid: subjectAppId,
    azp: subjectAppId,
    sub: SANDBOX_IDENTITY.servicePrincipalId,
    oid: SANDBOX_IDENTITY.servicePrincipalId,
    idtyp: 'app',
    ver: '2.0',
  };
}

export type AccessCheck = { ok: true; appId: string } | { ok: false; reason: string };

export async function checkAccessToken(
  key: SigningKey,
  config: SandboxConfig,
  authorization: string | undefined,
): Promise<AccessCheck> {
  if (!authorization) return { ok: false, reason: 'The Authorization header is missing.' };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) return { ok: false, reason: 'The Authorization header is not a Bearer token.' };
  let payload: JWTPayload;
  try {
    payload = await key.verify(match[1], { audience: config.resource, issuer: accessTokenIssuer(config.tenantId) });
  } catch (error) {
    return { ok: false, reason: describeJoseError(error) };
  }
  if (payload.tid !== config.tenantId) return { ok: false, reason: 'The token is for another tenant.' };
  const appId = typeof payload.appid === 'string' ? payload.appid : payload.azp;
  if (typeof appId !== 'string' || appId === '') return { ok: false, reason: 'The token names no application.' };
  return { ok: true, appId };
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token is expired.';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'The token is for another audience.';
    if (error.claim === 'iss') return 'The token has another issuer.';
    if (error.claim === 'nbf') return 'The token is not valid yet.';
    return `The token's ${error.claim} claim is invalid.`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid.';
  return 'The token is invalid.';
}
