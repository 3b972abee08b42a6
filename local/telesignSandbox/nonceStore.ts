import { ExpiringSet } from '../expiringSet';

/**
 * Remembers nonces per customer. A nonce only needs remembering for twice the Date tolerance: past that, any
 * replay carries a Date outside the window and is refused on that ground anyway.
 */
export class NonceStore {
  private readonly seen: ExpiringSet;

  constructor(ttlMs: number) {
    this.seen = new ExpiringSet(ttlMs);
  }

  /** Records the nonce; false when it was already used within the window. */
  claim(customerId: string, nonce: string, now: number): boolean {
    return this.seen.add(`${customerId}\n${nonce}`, now);
  }
}
