import { createHmac, timingSafeEqual } from 'node:crypto';

import { decodeApiKey } from './apiKey';

/**
 * docs/telesign-protocol.md §Callback signature: base64(HMAC-SHA256(base64-decode(api key), raw body bytes)); no
 * date, no nonce.
 */
export function signCallbackBody(apiKey: string, rawBody: Buffer | string): string {
  return createHmac('sha256', decodeApiKey(apiKey)).update(rawBody).digest('base64');
}

/** Constant time over the digest bytes; a wrong length says nothing secret, so it may return early. */
export function signatureMatches(expectedBase64: string, givenBase64: string): boolean {
  const expected = Buffer.from(expectedBase64, 'base64');
  const given = Buffer.from(givenBase64, 'base64');
  if (given.length !== expected.length) return false;
  return timingSafeEqual(expected, given);
}

export interface CallbackAuthHeaders {
  customerId: string;
  authorizationSignature: string;
  xTsSignature: string;
}

export type ParsedAuthHeaders = { ok: true; value: CallbackAuthHeaders } | { ok: false; reason: string };

/** Telesign always sends both headers; one missing means the request did not come from Telesign. */
export function parseCallbackAuthHeaders(
  authorization: string | null | undefined,
  xTsAuthorization: string | null | undefined,
): ParsedAuthHeaders {
  if (!authorization) return { ok: false, reason: 'the Authorization header is missing' };
  if (!xTsAuthorization) return { ok: false, reason: 'the X-TS-Authorization header is missing' };
  const match = /^TSA\s+([^:\s]+):(\S+)$/i.exec(authorization.trim());
  if (!match)
    return { ok: false, reason: 'the Authorization header is not of the form "TSA <customer id>:<signature>"' };
  return {
    ok: true,
    value: { customerId: match[1], authorizationSignature: match[2], xTsSignature: xTsAuthorization.trim() },
  };
}
