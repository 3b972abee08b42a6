/**
 * One webhook attempt. node:http with no agent (one connection per attempt, closed after) so nothing lingers in
 * a keep-alive pool after stop(). The timeout bounds the whole attempt, not just socket idleness: Dynamics
 * "allows a 10-second timeout" per try (docs/dynamics-protocol.md §5).
 */
import http from 'node:http';
import https from 'node:https';

import type { AttemptOutcome } from './types';

export interface PostResult {
  status: number;
  outcome: Exclude<AttemptOutcome, 'no_url' | 'ok' | 'http_error'> | 'answered';
}

export function postActivity(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<PostResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ status: 0, outcome: 'network_error' });
  }
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      settle({ status: 0, outcome: 'timeout' });
      req.destroy();
    }, timeoutMs);
    const transport = target.protocol === 'https:' ? https : http;
    const req = transport.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(body.length) },
        agent: false,
        signal,
      },
      (res) => {
        res.resume(); // "Any data posted in the body of request is ignored", but it must be drained to close
        res.on('end', () => settle({ status: res.statusCode ?? 0, outcome: 'answered' }));
        res.on('error', () => settle({ status: 0, outcome: 'network_error' }));
      },
    );
    req.on('error', () => settle({ status: 0, outcome: 'network_error' }));
    req.end(body);
  });
}
