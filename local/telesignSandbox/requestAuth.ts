/**
 * Verifies the authentication of a request to Telesign's REST API exactly as docs/telesign-protocol.md
 * §Request signing describes it (TSA HMAC-SHA256 or Basic). Written from the protocol text, not from our client,
 * so a bug in the client shows here. Pure: the clock and the nonce memory are passed in, so the test vectors
 * (§Test vectors) can be checked with their own Date.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import { decodeApiKey } from './apiKey';
import type { NonceStore } from './nonceStore';

export type HeaderValue = string | string[] | undefined;

export interface AuthRequest {
  method: string;
  /** Resource path without host or query, e.g. `/v1/messaging`. */
  path: string;
  /** Lower-case names, as node:http gives them. */
  headers: Record<string, HeaderValue>;
  /** Raw body bytes; empty = no body. */
  body: Buffer;
}

export interface AuthContext {
  apiKeyFor(customerId: string): string | undefined;
  now: number;
  dateToleranceMs: number;
  /** Omitted = no replay check (only the vector unit tests do that). */
  nonces?: NonceStore;
}

export type AuthFailure =
  | 'missing_authorization'
  | 'malformed_authorization'
  | 'unknown_customer'
  | 'invalid_signature'
  | 'missing_date'
  | 'invalid_date'
  | 'date_out_of_range'
  | 'invalid_auth_method'
  | 'missing_nonce'
  | 'nonce_reused';

export type AuthResult =
  { ok: true; customerId: string; scheme: 'TSA' | 'Basic' } | { ok: false; reason: AuthFailure; customerId?: string };

const AUTH_METHOD = 'HMAC-SHA256';
// RFC 1123 as `Date.prototype.toUTCString()` writes it; the SDKs send nothing else.
const RFC1123 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function single(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The TSA string to sign, as bytes so that a body that is not valid UTF-8 is still signed as sent. */
export function tsaStringToSign(parts: {
  method: string;
  contentType: string;
  date: string;
  nonce: string;
  body: Buffer;
  path: string;
}): Buffer {
  const head = [
    parts.method,
    parts.contentType,
    parts.date,
    `x-ts-auth-method:${AUTH_METHOD}`,
    `x-ts-nonce:${parts.nonce}`,
  ].join('\n');
  const chunks: Buffer[] = [Buffer.from(head + '\n', 'utf8')];
  if (parts.body.length > 0) chunks.push(parts.body, Buffer.from('\n', 'utf8'));
  chunks.push(Buffer.from(parts.path, 'utf8'));
  return Buffer.concat(chunks);
}

export function tsaSignature(apiKey: string, stringToSign: Buffer): string {
  return createHmac('sha256', decodeApiKey(apiKey)).update(stringToSign).digest('base64');
}

/** Constant time whatever the lengths: hashing first makes both sides 32 bytes. */
function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export function verifyRequestAuth(req: AuthRequest, ctx: AuthContext): AuthResult {
  const authorization = single(req.headers['authorization']);
  if (!authorization) return { ok: false, reason: 'missing_authorization' };
  const space = authorization.indexOf(' ');
  const scheme = space > 0 ? authorization.slice(0, space) : '';
  const credentials = space > 0 ? authorization.slice(space + 1) : '';
  if (scheme === 'TSA') return verifyTsa(req, ctx, credentials);
  if (scheme === 'Basic') return verifyBasic(ctx, credentials);
  return { ok: false, reason: 'malformed_authorization' };
}

function splitCredentials(value: string): [string, string] | undefined {
  // Customer ids hold no colon; signatures and keys (base64) cannot either, so the first colon splits.
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) return undefined;
  return [value.slice(0, colon), value.slice(colon + 1)];
}

function verifyBasic(ctx: AuthContext, credentials: string): AuthResult {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credentials)) return { ok: false, reason: 'malformed_authorization' };
  const pair = splitCredentials(Buffer.from(credentials, 'base64').toString('utf8'));
  if (!pair) return { ok: false, reason: 'malformed_authorization' };
  const [customerId, givenKey] = pair;
  const apiKey = ctx.apiKeyFor(customerId);
  if (apiKey === undefined) return { ok: false, reason: 'unknown_customer', customerId };
  // Basic carries the key as given (not decoded), so it is compared as text.
  if (!constantTimeEqual(apiKey, givenKey)) return { ok: false, reason: 'invalid_signature', customerId };
  return { ok: true, customerId, scheme: 'Basic' };
}

function verifyTsa(req: AuthRequest, ctx: AuthContext, credentials: string): AuthResult {
  const pair = splitCredentials(credentials);
  if (!pair) return { ok: false, reason: 'malformed_authorization' };
  const [customerId, givenSignature] = pair;
  const apiKey = ctx.apiKeyFor(customerId);
  if (apiKey === undefined) return { ok: false, reason: 'unknown_customer', customerId };

  const date = single(req.headers['date']);
  if (!date) return { ok: false, reason: 'missing_date', customerId };
  if (single(req.headers['x-ts-auth-method']) !== AUTH_METHOD)
    return { ok: false, reason: 'invalid_auth_method', customerId };
  const nonce = single(req.headers['x-ts-nonce']);
  if (!nonce) return { ok: false, reason: 'missing_nonce', customerId };

  const expected = tsaSignature(
    apiKey,
    tsaStringToSign({
      method: req.method,
      // "Exactly as sent"; a GET normally has none, which gives the empty line of §Request signing.
      contentType: single(req.headers['content-type']) ?? '',
      date,
      nonce,
      body: req.body,
      path: req.path,
    }),
  );
  if (!constantTimeEqual(expected, givenSignature)) return { ok: false, reason: 'invalid_signature', customerId };

  // Checked after the signature so that an unauthenticated caller learns nothing about our clock or nonces.
  if (!RFC1123.test(date)) return { ok: false, reason: 'invalid_date', customerId };
  const sentAt = Date.parse(date);
  if (!Number.isFinite(sentAt)) return { ok: false, reason: 'invalid_date', customerId };
  if (Math.abs(ctx.now - sentAt) > ctx.dateToleranceMs) return { ok: false, reason: 'date_out_of_range', customerId };
  if (ctx.nonces && !ctx.nonces.claim(customerId, nonce, ctx.now))
    return { ok: false, reason: 'nonce_reused', customerId };
  return { ok: true, customerId, scheme: 'TSA' };
}
