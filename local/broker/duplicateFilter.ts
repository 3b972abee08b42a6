/** Remembers message ids for the queue's duplicate-detection window. */
export class DuplicateFilter {
  private readonly seenUntil = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True when the id was already seen within the window; otherwise remembers it. */
  isDuplicate(messageId: unknown, now: number): boolean {
    const key = idKey(messageId);
    if (key === undefined) return false;
    this.prune(now);
    const until = this.seenUntil.get(key);
    if (until !== undefined && until > now) return true;
    this.seenUntil.set(key, now + this.windowMs);
    return false;
  }

  private prune(now: number): void {
    // Insertion order is expiry order, so stop at the first live entry.
    for (const [key, until] of this.seenUntil) {
      if (until > now) break;
      this.seenUntil.delete(key);
    }
  }
}

function idKey(messageId: unknown): string | undefined {
  if (messageId === undefined || messageId === null) return undefined;
  if (Buffer.isBuffer(messageId)) return `b:${messageId.toString('hex')}`;
  if (typeof messageId === 'object') return `o:${JSON.stringify(messageId)}`;
  return `${typeof messageId}:${String(messageId)}`;
}
