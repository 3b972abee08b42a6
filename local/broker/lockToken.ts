import { randomUUID } from 'crypto';

/**
 * A lock token travels two ways: as the delivery tag, in .NET GUID byte order (the SDK reorders it
 * back), and as an AMQP uuid in management requests, in RFC 4122 byte order.
 */
export interface LockToken {
  readonly id: string;
  readonly tag: Buffer;
}

export function newLockToken(): LockToken {
  const id = randomUUID();
  return { id, tag: swapGuidByteOrder(Buffer.from(id.replace(/-/g, ''), 'hex')) };
}

export function lockTokenFromTag(tag: Buffer): string {
  return uuidString(swapGuidByteOrder(tag));
}

export function lockTokenFromUuid(bytes: Buffer): string {
  return uuidString(bytes);
}

function swapGuidByteOrder(bytes: Buffer): Buffer {
  if (bytes.length !== 16) return Buffer.from(bytes);
  const b = bytes;
  return Buffer.from([b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.subarray(8)]);
}

function uuidString(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
