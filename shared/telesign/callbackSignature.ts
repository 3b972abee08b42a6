import { createHmac, timingSafeEqual } from 'node:crypto';

import { decodeApiKey } from './apiKey';

/**
 * docs/telesign-protocol.md §Callback signature: base64(HMAC-SHA256(base64-decode(api key), raw body bytes)); no
 * date, no nonce.
 */
export function signCallbackBody(apiKey: string, rawBody: Buffer | string): string {
  return createHmac('sha256', decodeApiKey(apiKey)).update(rawBody).digest('base64');
}

/**
 * The one spelling of a 32-byte HMAC-SHA256 digest: standard base64 (`A–Z a–z 0–9 + /`), 43 characters and one `=`
 * of padding. 32 bytes leave 2 bits of the 43rd character unused; they must be zero, so the character is one of
 * `AEIMQUYcgkosw048`. Node's decoder would also read base64url, skip junk, stop at the padding and ignore those
 * bits, so several strings decode to the same digest; only this one is accepted.
 */
const SIGNATURE = '[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=';
const CANONICAL_SIGNATURE = new RegExp(`^${SIGNATURE}$`);

export function isCanonicalSignature(signature: string): boolean {
  return CANONICAL_SIGNATURE.test(signature);
}

/**
 * Constant time over the digest bytes. Only a canonical signature can match: anything else says nothing secret,
 * so it may return early.
 */
export function signatureMatches(expectedBase64: string, givenBase64: string): boolean {
  if (!isCanonicalSignature(givenBase64)) return false;
  const expected = Buffer.from(expectedBase64, 'base64');
  const given = Buffer.from(givenBase64, 'base64');
  if (given.length !== expected.length) return false;
  return timingSafeEqual(expected, given);
}

export interface CallbackAuthHeaders {
  customerId: string;
  /** Canonical (see {@link isCanonicalSignature}), and the same in both headers. */
  signature: string;
}

export type ParsedAuthHeaders = { ok: true; value: CallbackAuthHeaders } | { ok: false; reason: string };

/**
 * `TSA`, one space, a customer id, a colon, the canonical signature. A customer id is ASCII letters, digits and
 * dashes (Telesign's are UUIDs): it is matched to an account ignoring case, and Unicode case folding would let a
 * look-alike (the Kelvin sign for `k`) pass for it.
 */
const AUTHORIZATION = new RegExp(`^TSA ([A-Za-z0-9-]+):(${SIGNATURE})$`);

/**
 * A header given twice reaches us as one value with the repeats joined by a comma: the Functions host joins them
 * with "," (ASP.NET Core's StringValues), the fetch `Headers` of the HttpRequest with ", ", and Node's
 * IncomingMessage with ", " (except for `Authorization`, of which it keeps the first and drops the rest). No
 * canonical value holds a comma, so a comma is read as a repeated header.
 */
const repeated = (value: string) => value.includes(',');

/**
 * docs/telesign-protocol.md §Callback signature. Telesign always sends both headers; one missing means the request
 * did not come from Telesign. Exactly one form is accepted: `Authorization: TSA <customer id>:<signature>` and
 * `X-TS-Authorization: <signature>`, each given once, the signature canonical and the same in both.
 */
export function parseCallbackAuthHeaders(
  authorization: string | null | undefined,
  xTsAuthorization: string | null | undefined,
): ParsedAuthHeaders {
  if (!authorization) return { ok: false, reason: 'the Authorization header is missing' };
  if (!xTsAuthorization) return { ok: false, reason: 'the X-TS-Authorization header is missing' };
  if (repeated(authorization)) return { ok: false, reason: 'the Authorization header is given more than once' };
  if (repeated(xTsAuthorization)) return { ok: false, reason: 'the X-TS-Authorization header is given more than once' };
  const match = AUTHORIZATION.exec(authorization);
  if (!match)
    return {
      ok: false,
      reason: 'the Authorization header is not of the form "TSA <customer id>:<base64 of 32 bytes, padded>"',
    };
  if (!isCanonicalSignature(xTsAuthorization))
    return { ok: false, reason: 'the X-TS-Authorization header is not the base64 of 32 bytes, padded' };
  // Both come from the caller, so comparing them as strings reveals nothing secret.
  if (match[2] !== xTsAuthorization)
    return { ok: false, reason: 'the Authorization and X-TS-Authorization headers carry different signatures' };
  return { ok: true, value: { customerId: match[1], signature: match[2] } };
}
