import { DynamicsError } from './dynamicsError';

/**
 * Reading the Messaging API's failures (docs/dynamics-protocol.md §3.6): an RFC 7807 body whose member carrying the
 * 300xx code is not documented, `x-ms-correlation-id` on every failure, `Retry-After` on 429.
 */

export type Operation = 'create' | 'activity';

const CORRELATION_ID = /^[\w.:-]{1,100}$/;

export function classifyFailure(
  operation: Operation,
  status: number,
  headers: Headers,
  body: string,
  now: Date,
): DynamicsError {
  const dynamicsCode = findDynamicsCode(body);
  const raw = headers.get('x-ms-correlation-id')?.trim();
  const correlationId = raw && CORRELATION_ID.test(raw) ? raw : undefined;
  const init = { httpStatus: status, dynamicsCode, correlationId };
  const said = `Dynamics answered ${status}${dynamicsCode ? ` (code ${dynamicsCode})` : ''}`;
  const target = operation === 'create' ? 'creating a conversation' : 'posting an activity';

  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(headers.get('retry-after'), now);
    return new DynamicsError('rate_limited', `${said} to ${target}: rate limited.`, { ...init, retryAfterSeconds });
  }
  if (status >= 500) return new DynamicsError('unavailable', `${said} to ${target}.`, init);
  if (status === 401 || status === 403) {
    return new DynamicsError('unauthorized', `${said} to ${target}: the token or the channel is not accepted.`, init);
  }
  // 30004 is a 404 about the channel's configuration, not the conversation: recreating would fail the same way.
  if (status === 404 && operation === 'activity' && (dynamicsCode === undefined || dynamicsCode === 30013)) {
    return new DynamicsError('not_found', `${said}: the conversation is closed or unknown there.`, init);
  }
  return new DynamicsError('rejected', `${said} to ${target}: refused.`, init);
}

/**
 * The first 300xx code in the body: a member named like a code first, then any member (a number, or a string
 * that holds one, such as "detail": "30011: Max 6,000 characters"), then the raw text if it is not JSON.
 */
export function findDynamicsCode(body: string): number | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return codeIn(body);
  }
  return search(json, (key) => /code/i.test(key)) ?? search(json, () => true);
}

function search(value: unknown, keyMatches: (key: string) => boolean, depth = 0): number | undefined {
  if (depth > 5 || typeof value !== 'object' || value === null) return undefined;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, member] of entries) {
    if ((typeof member === 'number' || typeof member === 'string') && keyMatches(key)) {
      const code = codeIn(String(member));
      if (code !== undefined) return code;
    }
  }
  for (const [, member] of entries) {
    const code = search(member, keyMatches, depth + 1);
    if (code !== undefined) return code;
  }
  return undefined;
}

function codeIn(text: string): number | undefined {
  const match = /(?<!\d)300\d\d(?!\d)/.exec(text.slice(0, 4096));
  return match ? Number(match[0]) : undefined;
}

/** Delta-seconds or an HTTP date (RFC 9110 §10.2.3), as whole seconds from now; undefined when unreadable. */
export function parseRetryAfter(header: string | null, now: Date): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  // Date.parse reads almost anything ("5.5" is a date to V8); an HTTP date names its day or month.
  if (!/[A-Za-z]{3}/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
