/**
 * Query parameters of the two paged GETs (docs/dynamics-protocol.md §3.3, §3.4). Whether the real service reads their
 * names case-sensitively is not documented; the sandbox takes any case.
 */
import type { Parsed } from './createRequest';
import { isGuid, parseIsoTimestamp } from './ids';
import { badInput } from './problem';

export interface PageQuery {
  /** Only items strictly after this instant. */
  startAfterMs?: number;
  pageSize: number;
  continuationToken?: string;
}

const DEFAULT_PAGE_SIZE = 50;

function lowerCased(query: URLSearchParams): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of query) if (!params.has(name.toLowerCase())) params.set(name.toLowerCase(), value);
  return params;
}

function pageParams(
  query: URLSearchParams,
  limits: { max: number; sizeCode: number },
): Parsed<{ startAfterMs?: number; pageSize: number; token?: string }> {
  const params = lowerCased(query);
  const start = params.get('starttimestamp');
  let startAfterMs: number | undefined;
  if (start !== undefined && start !== '') {
    startAfterMs = parseIsoTimestamp(start);
    if (startAfterMs === undefined) {
      return { ok: false, problem: badInput(30006, 'StartTimeStamp is not an ISO 8601 timestamp.') };
    }
  }
  // "null or 1–N": an empty PageSize is the default.
  const size = params.get('pagesize');
  let pageSize = DEFAULT_PAGE_SIZE;
  if (size !== undefined && size !== '') {
    pageSize = /^\d{1,4}$/.test(size) ? Number(size) : NaN;
    if (!(pageSize >= 1 && pageSize <= limits.max)) {
      return { ok: false, problem: badInput(limits.sizeCode, `PageSize must be between 1 and ${limits.max}.`) };
    }
  }
  const token = params.get('continuationtoken');
  return {
    ok: true,
    value: { ...(startAfterMs !== undefined && { startAfterMs }), pageSize, ...(token && { token }) },
  };
}

/** GET /conversations: the continuation token is a GUID. */
export function parseListQuery(query: URLSearchParams): Parsed<PageQuery> {
  const parsed = pageParams(query, { max: 250, sizeCode: 30007 });
  if (!parsed.ok) return parsed;
  const { token, ...rest } = parsed.value;
  if (token !== undefined && !isGuid(token)) {
    return { ok: false, problem: badInput(30009, 'ContinuationToken is not a valid continuation token.') };
  }
  return { ok: true, value: { ...rest, ...(token && { continuationToken: token.toLowerCase() }) } };
}

/** GET /messages: the continuation token is a DatetimeOffset, the time of the first message of the next page. */
export function parseMessagesQuery(query: URLSearchParams): Parsed<PageQuery & { fromMs?: number }> {
  const parsed = pageParams(query, { max: 100, sizeCode: 30008 });
  if (!parsed.ok) return parsed;
  const { token, ...rest } = parsed.value;
  if (token === undefined) return { ok: true, value: rest };
  const fromMs = parseIsoTimestamp(token);
  if (fromMs === undefined) {
    return { ok: false, problem: badInput(30009, 'ContinuationToken is not a valid DatetimeOffset.') };
  }
  return { ok: true, value: { ...rest, continuationToken: token, fromMs } };
}
