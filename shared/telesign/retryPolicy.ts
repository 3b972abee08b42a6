/**
 * When a Telesign call may be tried again (docs/telesign-protocol.md §Retries). Telesign has no idempotency key,
 * so a POST is repeated only when Telesign said it did not take it (429, 503) or the request provably never left
 * this host.
 */

/**
 * How a fetch that threw (no HTTP answer) failed:
 * - `not_sent`: no connection was made, so the request was never written; worth another try.
 * - `not_sent_permanent`: no request was written, but trying again cannot help (TLS certificate problems).
 * - `maybe_sent`: the connection existed when it broke; Telesign may have the request.
 */
export type FetchFailure = 'not_sent' | 'not_sent_permanent' | 'maybe_sent';

// Name resolution and connect failures. undici writes nothing before its socket is connected, so these are safe.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

// A TLS handshake that failed on the certificate never carried the request, but it fails the same way next time.
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$)/;

/**
 * Node's fetch throws `TypeError('fetch failed')` with the socket error as `cause`; with happy eyeballs the cause
 * can be an AggregateError of one error per address. Anything not recognised counts as maybe sent: a
 * reset or "other side closed" (UND_ERR_SOCKET) after connecting cannot tell whether the body went out.
 */
export function classifyFetchFailure(error: unknown): FetchFailure {
  const cause = errorProp(error, 'cause') ?? error;
  const inner = errorProp(cause, 'errors');
  const causes = Array.isArray(inner) && inner.length > 0 ? inner : [cause];
  const kinds = causes.map(classifyOne);
  if (kinds.every((k) => k === 'not_sent')) return 'not_sent';
  if (kinds.every((k) => k !== 'maybe_sent')) return 'not_sent_permanent';
  return 'maybe_sent';
}

function classifyOne(error: unknown): FetchFailure {
  const code = errorProp(error, 'code');
  const syscall = errorProp(error, 'syscall');
  if (typeof code !== 'string') return 'maybe_sent';
  if (NOT_SENT_CODES.has(code)) return 'not_sent';
  // A failure reported by connect() itself (a reset or timeout during the handshake) precedes any write.
  if (syscall === 'connect' && (code === 'ECONNRESET' || code === 'ETIMEDOUT')) return 'not_sent';
  if (TLS_CODE.test(code)) return 'not_sent_permanent';
  return 'maybe_sent';
}

/** A short, safe description of a network error for messages: codes only, never request data. */
export function describeFetchFailure(error: unknown): string {
  const cause = errorProp(error, 'cause') ?? error;
  const code = errorProp(cause, 'code');
  if (typeof code === 'string') return code;
  const name = errorProp(cause, 'name');
  return typeof name === 'string' ? name : 'network error';
}

/**
 * Retry-After is delta-seconds or an HTTP date (RFC 9110). Capped, because a long wait inside a send would hold the
 * caller's request open; undefined when absent or unreadable, so the caller falls back to its backoff.
 */
export function retryAfterMs(header: string | null, now: Date, capMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  let ms: number | undefined;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    const at = Date.parse(value);
    if (!Number.isNaN(at)) ms = Math.max(0, at - now.getTime());
  }
  return ms === undefined ? undefined : Math.min(ms, capMs);
}

/** Exponential: base, 2×base, 4×base... capped. No jitter, so tests can reason about waits without timing. */
export function backoffMs(retryNumber: number, baseMs: number, capMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, retryNumber - 1), capMs);
}

function errorProp(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
