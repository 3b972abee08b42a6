/** Identifiers and timestamps in the forms Dynamics uses (docs/dynamics-protocol.md §3). */
import { randomUUID } from 'node:crypto';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

export function newGuid(): string {
  return randomUUID();
}

/**
 * Message ids are "13-digit string epoch timestamps used for message ordering" (§3.1). Two messages in the
 * same millisecond would get the same id and an undefined order, so the clock never hands out a value twice:
 * it runs at most a few milliseconds ahead under a burst and stays 13 digits until the year 2286.
 */
export class MessageClock {
  private last = 0;

  next(now = Date.now()): number {
    this.last = Math.max(now, this.last + 1);
    return this.last;
  }
}

export function messageIdOf(epochMs: number): string {
  return String(epochMs);
}

/** The list example's form, `2025-04-15T12:36:40.9049594Z`: seven fraction digits. */
export function listTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/Z$/, '0000Z');
}

/** The messages example's form, `2025-04-15T12:37:00+00:00`, with milliseconds kept so the order is exact. */
export function offsetTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/Z$/, '+00:00');
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** ISO 8601 date or date-time; a time without an offset is read as UTC. Returns epoch ms, or undefined. */
export function parseIsoTimestamp(value: string): number | undefined {
  const text = value.trim();
  if (!ISO_8601.test(text)) return undefined;
  const hasTime = text.includes('T') || text.includes('t');
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(text.slice(10));
  const parsed = Date.parse(hasTime && !hasOffset ? `${text}Z` : text);
  return Number.isNaN(parsed) ? undefined : parsed;
}
