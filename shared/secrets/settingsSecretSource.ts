import { AppError } from '../errors';
import type { SecretSource } from './cachedSecretProvider';

/**
 * For local runs, where there is no vault: secrets come from settings. An empty value counts as missing so a
 * blank setting fails loudly instead of signing requests with an empty key.
 */
export function createSettingsSecretSource(secrets: Record<string, string>): SecretSource {
  // Copied so later changes to the settings object don't leak in, and a Map so names like 'toString' don't
  // resolve to Object.prototype.
  const values = new Map(Object.entries(secrets));
  return {
    async fetch(name: string): Promise<string> {
      const value = values.get(name);
      if (typeof value !== 'string' || value === '') {
        throw new AppError('secret_not_found', `Secret '${name}' is not configured in the local settings`);
      }
      return value;
    },
  };
}
