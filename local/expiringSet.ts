/**
 * Keys remembered for a fixed time: the broker's duplicate-detection window, the sandbox's nonce memory.
 * Every key gets the same time to live, so insertion order is expiry order and pruning stops at the first
 * live entry.
 */
export class ExpiringSet {
  private readonly liveUntil = new Map<string, number>();

  constructor(private readonly ttlMs: number) {}

  /** Adds the key; false when it was already there and still live. */
  add(key: string, now: number): boolean {
    for (const [k, until] of this.liveUntil) {
      if (until > now) break;
      this.liveUntil.delete(k);
    }
    if (this.liveUntil.has(key)) return false;
    this.liveUntil.set(key, now + this.ttlMs);
    return true;
  }

  /** The live keys with the time each is remembered until, oldest first: to carry them over a restart. */
  live(now: number): Array<[string, number]> {
    return [...this.liveUntil].filter(([, until]) => until > now);
  }

  /** Takes back what `live` gave, keeping each key's time (the order is kept, so pruning stays right). */
  restore(entries: ReadonlyArray<readonly [string, number]>, now: number): void {
    for (const [key, until] of entries) if (until > now && !this.liveUntil.has(key)) this.liveUntil.set(key, until);
  }
}
