import type { Agent } from 'node:https';

import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';

/**
 * Checks the `Authorization: Bearer` token Dynamics sends with each webhook call (docs/dynamics-protocol.md §5): an
 * Entra token issued to the registered app through its federated credential. The claims Dynamics' token
 * carries are not documented, so issuers, audiences, tenant and app ids all come from settings.
 *
 * Two failures are kept apart: a token that is not acceptable (`invalid`: answer 401, Dynamics gives up after
 * its retries) and signing keys that cannot be fetched (`unavailable`: answer 503, the token may be fine). A
 * reason never quotes the token.
 */

export interface WebhookAuthOptions {
  issuers: string[];
  audiences: string[];
  tenantId: string;
  /** Accepted values of `azp` (v2 tokens) or `appid` (v1 tokens). */
  appIds: string[];
  clockSkewSeconds: number;
  /** Where the signing keys are: a JWKS URL (fetched and cached) or the key set itself. */
  keys: { jwksUrl: string; agent?: Agent; timeoutMs?: number } | { jwks: JSONWebKeySet };
  /** Entra signs with RS256; anything else is refused before a key is looked up. */
  algorithms?: string[];
  now?: () => Date;
}

export type WebhookAuthReason =
  | 'missing_token'
  | 'malformed_header'
  | 'malformed_token'
  | 'bad_signature'
  | 'unknown_key'
  | 'algorithm_not_allowed'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_tenant'
  | 'wrong_app'
  | 'keys_unavailable';

export type WebhookAuthResult =
  | { ok: true; claims: JWTPayload }
  | { ok: false; kind: 'invalid' | 'unavailable'; reason: WebhookAuthReason; message: string };

export interface WebhookAuthenticator {
  verify(authorization: string | null | undefined): Promise<WebhookAuthResult>;
}

// Entra tokens are 1 to 3 KB; a header far beyond that is not a token worth parsing.
const HEADER_MAX = 16 * 1024;

/** Marks a failure of the key set itself, so it is not mistaken for a bad token. */
class KeysUnavailable extends Error {}

export function createWebhookAuthenticator(options: WebhookAuthOptions): WebhookAuthenticator {
  const keys = keyResolver(options.keys);
  const tenant = options.tenantId.toLowerCase();
  const appIds = new Set(options.appIds.map((a) => a.toLowerCase()));

  return {
    async verify(authorization) {
      const token = bearer(authorization);
      if (!token.ok) return token.result;
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token.value, keys, {
          issuer: options.issuers,
          audience: options.audiences,
          algorithms: options.algorithms ?? ['RS256'],
          clockTolerance: options.clockSkewSeconds,
          requiredClaims: ['exp'],
          ...(options.now ? { currentDate: options.now() } : {}),
        }));
      } catch (error) {
        return explain(error);
      }
      const tid = typeof claims.tid === 'string' ? claims.tid.toLowerCase() : undefined;
      if (tid !== tenant) return invalid('wrong_tenant', 'The token was issued for another tenant.');
      const app = typeof claims.azp === 'string' ? claims.azp : typeof claims.appid === 'string' ? claims.appid : '';
      if (!appIds.has(app.toLowerCase())) return invalid('wrong_app', 'The token was issued to another application.');
      return { ok: true, claims };
    },
  };
}

function keyResolver(keys: WebhookAuthOptions['keys']): JWTVerifyGetKey {
  if ('jwks' in keys) return createLocalJWKSet(keys.jwks);
  const remote = createRemoteJWKSet(new URL(keys.jwksUrl), { agent: keys.agent, timeoutDuration: keys.timeoutMs });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      // No matching key is the token's fault (jose has refetched the set already); anything else is the set's.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      if (error instanceof errors.JOSENotSupported) throw error;
      throw new KeysUnavailable(describe(error));
    }
  };
}

function bearer(
  header: string | null | undefined,
): { ok: true; value: string } | { ok: false; result: WebhookAuthResult } {
  if (header === null || header === undefined || header.trim() === '') {
    return { ok: false, result: invalid('missing_token', 'No Authorization header.') };
  }
  if (header.length > HEADER_MAX) {
    return { ok: false, result: invalid('malformed_header', 'The Authorization header is too long.') };
  }
  const match = /^Bearer +(\S+)\s*$/i.exec(header.trim());
  if (!match)
    return { ok: false, result: invalid('malformed_header', 'The Authorization header is not "Bearer <token>".') };
  return { ok: true, value: match[1] };
}

function explain(error: unknown): WebhookAuthResult {
  if (error instanceof KeysUnavailable) {
    return {
      ok: false,
      kind: 'unavailable',
      reason: 'keys_unavailable',
      message: `The signing keys could not be fetched (${error.message}).`,
    };
  }
  if (error instanceof errors.JWTExpired) return invalid('expired', 'The token has expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return invalid('wrong_issuer', 'The token comes from an issuer that is not accepted.');
      case 'aud':
        return invalid('wrong_audience', 'The token is meant for another audience.');
      case 'nbf':
        return invalid('not_yet_valid', 'The token is not valid yet.');
      default:
        return invalid('malformed_token', `The token's ${String(error.claim).slice(0, 20)} claim is not valid.`);
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return invalid('bad_signature', 'The signature is wrong.');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return invalid('unknown_key', 'The token is signed with a key that is not in the key set.');
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return invalid('algorithm_not_allowed', 'The token is signed with an algorithm that is not accepted.');
  }
  return invalid('malformed_token', 'The token is not a well-formed signed JWT.');
}

function invalid(reason: WebhookAuthReason, message: string): WebhookAuthResult {
  return { ok: false, kind: 'invalid', reason, message };
}

function describe(error: unknown): string {
  // jose's own messages are fixed sentences ("Expected 200 OK from the JSON Web Key Set HTTP response").
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`.slice(0, 120);
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const code = (cause as { code?: unknown })?.code;
  if (typeof code === 'string') return code.slice(0, 40);
  return error instanceof Error ? error.name.slice(0, 40) : 'error';
}
