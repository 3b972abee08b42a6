import { createHash } from 'node:crypto';

/**
 * Row keys of the `threads` partition (docs/architecture.md §Storage). Numbers are zero-padded so that rows sort
 * in order. Foreign ids (idempotency keys, reference ids) are encoded: table keys refuse `/ \ # ?` and control
 * characters.
 */
export const HEAD_ROW = 'thread';

const pad = (n: number) => String(n).padStart(6, '0');

export const conversationRow = (n: number) => `conv-${pad(n)}`;
export const messageRow = (n: number, m: number) => `msg-${pad(n)}-${pad(m)}`;
export const messageRowPrefix = (n: number) => `msg-${pad(n)}-`;
export const eventRow = (eventId: string) => `evt-${encodeKey(eventId)}`;
export const idempotencyRow = (key: string) => `key-${encodeKey(key)}`;

/** Keeps ordinary ids readable and encodes anything a table key cannot hold. */
export function encodeKey(id: string): string {
  return /^[A-Za-z0-9._-]{1,200}$/.test(id) ? id : 'b64.' + Buffer.from(id, 'utf8').toString('base64url').slice(0, 600);
}

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
