/**
 * TSA (HMAC-SHA256) request authentication, docs/telesign-protocol.md §Request signing. Pure: the caller supplies
 * Date and nonce, so a retry can be signed afresh and the §Test vectors can be reproduced byte for byte.
 */
import { createHmac } from 'node:crypto';

import { decodeApiKey } from './apiKey';

const TSA_AUTH_METHOD = 'HMAC-SHA256';

export interface SignRequestInput {
  method: string;
  /** Path without host or query, exactly as sent (e.g. `/v1/messaging`). */
  resource: string;
  /** Only sent, and only signed, for POST and PUT. */
  contentType?: string;
  /** The body exactly as sent; omitted or empty = no body line. */
  body?: string;
  customerId: string;
  apiKey: string;
  /** RFC 1123, as `Date.prototype.toUTCString()` writes it. */
  date: string;
  nonce: string;
}

export interface SignedRequest {
  headers: Record<string, string>;
  signature: string;
}

export function stringToSign(input: Omit<SignRequestInput, 'customerId' | 'apiKey'>): string {
  const method = input.method.toUpperCase();
  const hasContentType = method === 'POST' || method === 'PUT';
  const lines = [
    method,
    hasContentType ? (input.contentType ?? '') : '',
    input.date,
    `x-ts-auth-method:${TSA_AUTH_METHOD}`,
    `x-ts-nonce:${input.nonce}`,
  ];
  if (input.body !== undefined && input.body !== '') lines.push(input.body);
  lines.push(input.resource);
  return lines.join('\n');
}

/** Throws ApiKeyFormatError for a key that is not standard base64 (decodeApiKey), before anything is signed. */
export function signRequest(input: SignRequestInput): SignedRequest {
  const key = decodeApiKey(input.apiKey);
  const signature = createHmac('sha256', key).update(stringToSign(input), 'utf8').digest('base64');
  const method = input.method.toUpperCase();
  const headers: Record<string, string> = {
    Authorization: `TSA ${input.customerId}:${signature}`,
    Date: input.date,
    'x-ts-auth-method': TSA_AUTH_METHOD,
    'x-ts-nonce': input.nonce,
  };
  if ((method === 'POST' || method === 'PUT') && input.contentType !== undefined)
    headers['Content-Type'] = input.contentType;
  return { headers, signature };
}
