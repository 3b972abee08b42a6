import { createHash } from 'node:crypto';

/**
 * Row keys of the `threads` partition (docs/architecture.md §Storage). Numbers are zero-padded so that rows sort
 * in order. Foreign ids (idempotency keys, reference ids) are encoded: table keys refuse `/ \ # ?` and control
 * characters, and hold at most 1 KiB.
 */
export const HEAD_ROW = 'thread';

/** A PartitionKey or RowKey holds at most 1 KiB of UTF-16: 512 characters (longer is a permanent 400). */
export const KEY_MAX = 512;

const pad = (n: number) => String(n).padStart(6, '0');

export const conversationRow = (n: number) => `conv-${pad(n)}`;
export const messageRow = (n: number, m: number) => `msg-${pad(n)}-${pad(m)}`;
export const messageRowPrefix = (n: number) => `msg-${pad(n)}-`;
export const eventRow = (eventId: string) => prefixedKey('evt-', eventId);
export const idempotencyRow = (key: string) => prefixedKey('key-', key);

const READABLE = /^[A-Za-z0-9._-]{1,200}$/;
const ENCODED = 'b64.';
const HASHED = 'sha256.';
/** In Unicode mode a surrogate class matches only a surrogate that is not half of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * A foreign id as a table key of at most `room` characters, and no two ids the same key:
 * - an id of 1–200 characters from `A–Z a–z 0–9 . _ -` is kept as it is (unless it begins like an encoded key);
 * - else `b64.` + the base64url of its UTF-8, when that fits in `room`;
 * - else (a long id, or one with a lone surrogate, which UTF-8 cannot carry) `sha256.` + the base64url of
 *   SHA-256 over the whole id (50 characters).
 * The first two are the encoding rows were always written under, so an id whose key fitted keeps it.
 */
export function encodeKey(id: string, room = KEY_MAX): string {
  if (READABLE.test(id) && !id.startsWith(ENCODED) && !id.startsWith(HASHED) && id.length <= room) return id;
  const wellFormed = !LONE_SURROGATE.test(id);
  if (wellFormed) {
    const encoded = ENCODED + Buffer.from(id, 'utf8').toString('base64url');
    if (encoded.length <= room) return encoded;
  }
  // UTF-8 never holds the byte 0xFF, so the UTF-16 form of an id with a lone surrogate cannot hash like another id's UTF-8.
  const bytes = wellFormed ? Buffer.from(id, 'utf8') : Buffer.concat([Buffer.from([0xff]), Buffer.from(id, 'utf16le')]);
  return HASHED + createHash('sha256').update(bytes).digest('base64url');
}

/** `prefix` + the encoded id, within the key limit whatever the id. */
export const prefixedKey = (prefix: string, id: string) => prefix + encodeKey(id, KEY_MAX - prefix.length);

/** Consent is kept per account and customer number; the key is a hash so that no phone number sits in a URL. */
export function consentKey(account: string, customerNumber: string): { partitionKey: string; rowKey: string } {
  const hash = createHash('sha256')
    .update(`consent|${account.toLowerCase()}|${customerNumber}`)
    .digest('base64url')
    .slice(0, 32);
  return { partitionKey: hash, rowKey: 'consent' };
}

/** OData string literal: a single quote is doubled. */
export const odataString = (value: string) => `'${value.replace(/'/g, "''")}'`;
