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
    // Callers share one signal over many concurrent posts (a sandbox's lifecycle, a load test's stop). node:http
    // adds an abort listener to the signal it is given for as long as the request is open, so twenty posts in
    // flight were twenty listeners on that one signal (Node's "possible EventTarget memory leak" warning past
    // ten). A per-call signal that follows the caller's takes the listener instead; AbortSignal.any holds no
    // listener on its source.
    const req = transport.request(
      target,
      { method: 'POST', headers, agent: false, signal: AbortSignal.any([signal]), timeout: CALLBACK_TIMEOUT_MS },
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
