import { isAppError, isDeadLetterError } from '../errors';

/**
 * Failures that carry no answer from Table Storage, told apart by how @azure/data-tables and its pipeline raise
 * them (@azure/core-rest-pipeline, over @typespec/ts-http-runtime's nodeHttpClient.js):
 * - the transport: any error of the socket or of the answer's stream becomes a RestError without a statusCode, its
 *   code the system's (ECONNREFUSED, ECONNRESET for "socket hang up", ETIMEDOUT…) or REQUEST_SEND_ERROR, or
 *   PARSE_ERROR for an answer cut off; a timeout or an abort is an AbortError. It passes: retried.
 * - signing in with the managed identity: @azure/identity's errors, or the pipeline's "Failed to refresh access
 *   token.". Not the request's fault: retried, as a 403 is.
 * - the request itself: whatever else the client throws, mostly before anything is sent. A URIError (a lone
 *   surrogate in a key or a filter, met while the URL is built), a TypeError or RangeError (node:http refusing a
 *   header or a path), a plain Error (the entity's serialization: "Unknown EDM type …"). The same input fails the
 *   same way however often it is tried, so it is a refusal, not an outage.
 */

/** Node's system codes for a connection that failed or broke; the SDK retries the first six itself. */
const networkCodes: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'ENOTFOUND',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'REQUEST_SEND_ERROR',
  'PARSE_ERROR',
]);

const abortNames: ReadonlySet<string> = new Set(['AbortError', 'TimeoutError']);

/** @azure/identity's error names: the token could not be had, which says nothing of the request. */
const signInNames: ReadonlySet<string> = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
  'AuthenticationRequiredError',
]);

interface ErrorLike {
  name: string;
  message: string;
  code?: unknown;
  statusCode?: unknown;
  cause?: unknown;
}

/** By shape, not instanceof: node:http's errors come from another realm under jest, and SDKs bundle their own. */
function errorLike(value: unknown): ErrorLike | undefined {
  const e = value as Partial<ErrorLike> | null;
  return typeof e?.name === 'string' && typeof e.message === 'string' ? (e as ErrorLike) : undefined;
}

/** The error and its causes (fetch's "fetch failed" holds the system error in `cause`), a few deep. */
function chainOf(error: ErrorLike): ErrorLike[] {
  const chain = [error];
  for (let next = errorLike(error.cause); next && chain.length < 5; next = errorLike(next.cause)) chain.push(next);
  return chain;
}

function isTransport(e: ErrorLike): boolean {
  if (e.name === 'RestError' && typeof e.statusCode !== 'number') return true;
  if (abortNames.has(e.name)) return true;
  if (typeof e.code === 'string' && (networkCodes.has(e.code) || e.code.startsWith('UND_ERR_'))) return true;
  return /socket hang up|fetch failed/i.test(e.message);
}

const isSignIn = (e: ErrorLike) => signInNames.has(e.name) || e.message === 'Failed to refresh access token.';

/**
 * What to say of a failure the client raised that no retry can fix: its name, Node's code if any, and its first
 * line, at most 120 characters, with anything quoted cut out (a JSON or header error quotes the input). Undefined
 * for an answer of the service (decided on its status), the transport, signing in, and our own AppError and
 * DeadLetterError.
 */
export function clientRefusalOf(error: unknown): string | undefined {
  const e = errorLike(error);
  if (!e || isAppError(error) || isDeadLetterError(error) || typeof e.statusCode === 'number') return undefined;
  if (chainOf(e).some((link) => isTransport(link) || isSignIn(link))) return undefined;
  const code = typeof e.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(e.code) ? ` [${e.code}]` : '';
  const said = (e.message.split('\n')[0] ?? '')
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '…')
    .trim()
    .slice(0, 120);
  return `${e.name}${code}${said ? `: ${said}` : ''}`;
}
