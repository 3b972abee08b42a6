import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

import { reasonOf } from './connectionPlan';

/**
 * One POST and its status, over a socket of its own. The body of the answer is counted, never kept: the
 * specification decides by status alone, and a subscriber's reply (an error page, a token echoed back) has no place
 * in our memory or logs. Redirects are not followed, since node:http never does.
 */

/** Enough to drain a small acknowledgement so the exchange ends cleanly; a larger answer is cut off here. */
export const RESPONSE_BODY_CAP_BYTES = 4096;

export type Exchange =
  | { kind: 'answered'; status: number; bytesRead: number }
  /** No status arrived: refused, reset, TLS failure. `reason` is an error code. */
  | { kind: 'failed'; reason: string }
  /** The signal aborted before a status arrived. */
  | { kind: 'aborted' };

export interface ExchangeRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
  lookup?: LookupFunction;
  signal: AbortSignal;
}

/**
 * Never rejects. Once a status has arrived the endpoint has answered, so a body cut short by the cap, a reset or
 * the timeout still settles as `answered`.
 */
export function exchange({ url, headers, body, lookup, signal }: ExchangeRequest): Promise<Exchange> {
  if (signal.aborted) return Promise.resolve({ kind: 'aborted' });
  return new Promise<Exchange>((resolve) => {
    let status: number | undefined;
    let bytesRead = 0;
    let settled = false;
    const answered = (): Exchange => ({ kind: 'answered', status: status!, bytesRead });

    const request = (url.protocol === 'https:' ? https : http).request({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      headers,
      lookup,
      // A socket of its own, closed with the exchange: a pooled keep-alive socket would outlive the attempt.
      agent: false,
    });

    const settle = (result: Exchange) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      request.destroy();
      resolve(result);
    };
    const onAbort = () => settle(status === undefined ? { kind: 'aborted' } : answered());
    signal.addEventListener('abort', onAbort, { once: true });

    // Stays attached after settling: destroy() can still emit an error, which unheard would crash the process.
    request.on('error', (error) =>
      settle(status === undefined ? { kind: 'failed', reason: reasonOf(error) } : answered()),
    );
    request.on('response', (response) => {
      status = response.statusCode ?? 0;
      response.on('data', (chunk: Buffer) => {
        bytesRead = Math.min(RESPONSE_BODY_CAP_BYTES, bytesRead + chunk.length);
        if (bytesRead >= RESPONSE_BODY_CAP_BYTES) {
          response.destroy();
          settle(answered());
        }
      });
      response.on('end', () => settle(answered()));
      response.on('error', () => settle(answered()));
      response.on('close', () => settle(answered()));
    });
    request.end(body);
  });
}
