/**
 * Remembers nonces per customer. A nonce only needs remembering for twice the Date tolerance: past that, any
 * replay carries a Date outside the window and is refused on that ground anyway.
 */
export class NonceStore {
  // Insertion order = expiry order, because every entry gets the same TTL.
  private readonly seen = new Map<string, number>();

  constructor(private readonly ttlMs: number) {}

  /** Records the nonce; false when it was already used within the window. */
  claim(customerId: string, nonce: string, now: number): boolean {
    this.prune(now);
    const key = `${customerId}\n${nonce}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, now + this.ttlMs);
    return true;
  }

  private prune(now: number): void {
    for (const [key, expiresAt] of this.seen) {
      if (expiresAt > now) break;
      this.seen.delete(key);
    }
  }
}
