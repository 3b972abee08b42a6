/**
 * The port services use to read secrets. Implementations cache, so `get` is cheap on the hot path;
 * `invalidate` exists because a rotated key is only discovered when the downstream API rejects the old one.
 *
 * `get` rejects with AppError 'secrets_unavailable' (vault unreachable, 5xx, auth refused) or
 * 'secret_not_found' (no such secret). Error messages never carry a secret value.
 */
export interface SecretProvider {
  get(name: string): Promise<string>;
  invalidate(name: string): void;
}
