/**
 * How a client proves it is the app at the token endpoint: a client secret, or a client assertion (the
 * secretless path: a managed identity's token fed to a federated credential). An assertion's signature cannot be
 * checked locally (it is signed by Entra or a managed identity endpoint), so a well-formed, unexpired JWT whose
 * `iss`, `sub` and `aud` match one of the app's federated credentials is taken.
 */
import { timingSafeEqual } from 'node:crypto';

import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';

import { CLIENT_ASSERTION_TYPE, TOKEN_EXCHANGE_AUDIENCE } from './defaults';
import type { SandboxApp } from './types';

export type ClientAuthResult =
  { ok: true } | { ok: false; error: 'invalid_request' | 'invalid_client'; detail: string };

export function authenticateClient(app: SandboxApp, form: URLSearchParams, now = Date.now()): ClientAuthResult {
  const secret = form.get('client_secret');
  const assertionType = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  if (secret !== null && (assertion !== null || assertionType !== null)) {
    return { ok: false, error: 'invalid_request', detail: 'Send a client_secret or a client_assertion, not both.' };
  }
  if (secret !== null) return checkSecret(app, secret);
  if (assertion === null && assertionType === null) {
    return {
      ok: false,
      error: 'invalid_request',
      detail: "The request must contain 'client_secret' or 'client_assertion'.",
    };
  }
  if (assertionType !== CLIENT_ASSERTION_TYPE) {
    return { ok: false, error: 'invalid_request', detail: `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}.` };
  }
  if (!assertion) return { ok: false, error: 'invalid_request', detail: 'client_assertion is empty.' };
  return checkAssertion(app, assertion, now);
}

function checkSecret(app: SandboxApp, given: string): ClientAuthResult {
  const expected = app.clientSecret;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected ?? '', 'utf8');
  if (expected === undefined || a.length !== b.length || !timingSafeEqual(a, b)) {
    return { ok: false, error: 'invalid_client', detail: 'Invalid client secret provided.' };
  }
  return { ok: true };
}

function checkAssertion(app: SandboxApp, assertion: string, now: number): ClientAuthResult {
  let claims: JWTPayload;
  try {
    const header = decodeProtectedHeader(assertion);
    if (!header.alg || header.alg === 'none') throw new Error('unsigned');
    if (assertion.split('.').length !== 3 || assertion.endsWith('.')) throw new Error('no signature part');
    claims = decodeJwt(assertion);
  } catch {
    return { ok: false, error: 'invalid_client', detail: 'client_assertion is not a well-formed signed JWT.' };
  }
  const seconds = Math.floor(now / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= seconds) {
    return { ok: false, error: 'invalid_client', detail: 'client_assertion is expired or has no exp.' };
  }
  if (typeof claims.nbf === 'number' && claims.nbf > seconds + 300) {
    return { ok: false, error: 'invalid_client', detail: 'client_assertion is not valid yet.' };
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const matched = (app.federatedCredentials ?? []).some(
    (fic) =>
      claims.iss === fic.issuer &&
      claims.sub === fic.subject &&
      audiences.includes(fic.audience ?? TOKEN_EXCHANGE_AUDIENCE),
  );
  if (!matched) {
    return {
      ok: false,
      error: 'invalid_client',
      detail: "No federated credential of the app matches the assertion's iss, sub and aud.",
    };
  }
  return { ok: true };
}
