/**
 * The port services use to read secrets. Implementations cache, so `get` is cheap on the hot path;
 * `invalidate` exists because a rotated key is only discovered when the downstream API rejects the old one.
 *
 * `get` rejects with AppError 'secrets_unavailable' (vault unreachable, 5xx, auth refused) or
 * 'secret_not_found' (no such secret). Error messages never carry a secret value.
 */
export interface SecretProvider {
  get(name: string): Promise<string>;
  /**
   * Drops the cached value so the next `get` reads the source. With `rejected` (the value the downstream API
   * refused), nothing is dropped when the cache already holds another value or a read begun since the last
   * invalidation is under way: two callers that see the same rotation at once cost one read, not two.
   */
  invalidate(name: string, rejected?: string): void;
}
