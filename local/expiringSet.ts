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
}
