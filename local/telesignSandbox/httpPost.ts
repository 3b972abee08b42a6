/**
 * One POST to a callback URL. node:http with no agent (one connection per try, closed after) so nothing lingers
 * in a keep-alive pool after stop(). Resolves to the HTTP status, or 0 when no answer came.
 */
import http from 'node:http';
import https from 'node:https';

const CALLBACK_TIMEOUT_MS = 10_000;

export function postOnce(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve(0);
    }
    const transport = target.protocol === 'https:' ? https : http;
    const req = transport.request(
      target,
      { method: 'POST', headers, agent: false, signal, timeout: CALLBACK_TIMEOUT_MS },
      (res) => {
        res.resume(); // the answer's body is of no interest, but must be drained for the socket to close
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('callback timed out')));
    req.on('error', () => resolve(0));
    req.end(body);
  });
}
