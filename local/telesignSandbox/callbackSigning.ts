/**
 * Signs a callback the way Telesign does (docs/telesign-protocol.md §Callback signature): HMAC-SHA256 over the raw
 * body bytes only, keyed with base64-decode(api_key), sent in both `Authorization: TSA <customer_id>:<sig>` and
 * `X-TS-Authorization: <sig>`.
 */
import { createHmac } from 'node:crypto';

import { decodeApiKey } from './apiKey';

export function signCallbackBody(apiKey: string, rawBody: Buffer | string): string {
  return createHmac('sha256', decodeApiKey(apiKey)).update(rawBody).digest('base64');
}

export function callbackHeaders(customerId: string, apiKey: string, rawBody: Buffer): Record<string, string> {
  const signature = signCallbackBody(apiKey, rawBody);
  return {
    'Content-Type': 'application/json',
    'Content-Length': String(rawBody.length),
    Authorization: `TSA ${customerId}:${signature}`,
    'X-TS-Authorization': signature,
  };
}
