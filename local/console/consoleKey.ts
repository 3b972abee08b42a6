import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The console's routes ask for the local function key (or the admin key), as the API does: header
 * `x-functions-key`, or `?code=` for the event stream, since EventSource cannot send a header.
 */
export function hasConsoleKey(req: IncomingMessage, url: URL, keys: readonly string[]): boolean {
  const given = (req.headers['x-functions-key'] as string | undefined) ?? url.searchParams.get('code') ?? '';
  const a = Buffer.from(given);
  return keys.some((key) => {
    const b = Buffer.from(key);
    return given !== '' && a.length === b.length && timingSafeEqual(a, b);
  });
}
