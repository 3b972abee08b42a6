import type { AmqpErrorInfo } from './conditions';
import type { EntityNode } from './namespace';

/** The body of a $management request, decoded. */
export type Body = Record<string, unknown>;

/** A status and body for the response, or the error it carries. */
export type Outcome = { status: number; body?: unknown } | { error: AmqpErrorInfo };

export type Operation = (node: EntityNode, body: Body) => Outcome;

/** Longs arrive as numbers, or as 8-byte big-endian buffers beyond 2^53. */
export function toNumber(value: unknown): number {
  if (Buffer.isBuffer(value)) return Number(value.readBigInt64BE(0));
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got ${String(value)}`);
  return n;
}
