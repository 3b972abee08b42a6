import { ExpiringSet } from '../expiringSet';

/** Remembers message ids for the queue's duplicate-detection window. */
export class DuplicateFilter {
  private readonly seen: ExpiringSet;

  constructor(windowMs: number) {
    this.seen = new ExpiringSet(windowMs);
  }

  /** True when the id was already seen within the window; otherwise remembers it. */
  isDuplicate(messageId: unknown, now: number): boolean {
    const key = idKey(messageId);
    return key !== undefined && !this.seen.add(key, now);
  }

  /** The ids remembered now, for a snapshot (snapshot.ts). */
  remembered(now: number): Array<[string, number]> {
    return this.seen.live(now);
  }

  remember(entries: ReadonlyArray<readonly [string, number]>, now: number): void {
    this.seen.restore(entries, now);
  }
}

function idKey(messageId: unknown): string | undefined {
  if (messageId === undefined || messageId === null) return undefined;
  if (Buffer.isBuffer(messageId)) return `b:${messageId.toString('hex')}`;
  if (typeof messageId === 'object') return `o:${JSON.stringify(messageId)}`;
  return `${typeof messageId}:${String(messageId)}`;
}
