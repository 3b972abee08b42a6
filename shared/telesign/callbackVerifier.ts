import { findAccount, type TelesignAccount } from '../config';
import { AppError } from '../errors';
import type { SecretProvider } from '../secrets/secretProvider';
import { ApiKeyFormatError } from './apiKey';
import { parseCallbackAuthHeaders, signatureMatches, signCallbackBody } from './callbackSignature';

/**
 * Verifies that a callback was signed by one of our Telesign accounts (docs/telesign-protocol.md §Callback
 * signature): both headers, each given once, in their one canonical form and carrying the same signature; the MAC
 * over the raw bytes, compared in constant time, with the key of the account the Authorization header names.
 *
 * A key rotated in Key Vault must not make us refuse real traffic until the cache expires (customers' messages
 * would be lost once Telesign gives up retrying), so a mismatch with a cached key re-reads the key once. The
 * re-read is throttled per secret, or anyone could make every forged request cost a Key Vault call.
 */

export type VerifyOutcome = { ok: true; account: TelesignAccount } | { ok: false; reason: string };

export interface VerifierDeps {
  accounts: readonly TelesignAccount[];
  secrets: SecretProvider;
  now: () => number;
  /** Least time between two forced re-reads of the same key. */
  refreshIntervalMs: number;
}

export interface CallbackVerifier {
  verify(
    rawBody: Buffer,
    authorization: string | null | undefined,
    xTsAuthorization: string | null | undefined,
  ): Promise<VerifyOutcome>;
}

export function createCallbackVerifier(deps: VerifierDeps): CallbackVerifier {
  const lastRefresh = new Map<string, number>();

  const matchesKey = (apiKey: string, rawBody: Buffer, signature: string, secretName: string) => {
    let expected: string;
    try {
      expected = signCallbackBody(apiKey, rawBody);
    } catch (error) {
      // A malformed key is an operator's fix, not the caller's fault: answer 503 so Telesign keeps retrying.
      if (error instanceof ApiKeyFormatError)
        throw new AppError(
          'secrets_unavailable',
          `The API key in secret ${secretName} is not standard base64; set it again in Key Vault.`,
        );
      throw error;
    }
    // The two headers were checked equal when parsed, so one constant-time comparison covers both.
    return signatureMatches(expected, signature);
  };

  const mayRefresh = (secretName: string) => {
    const last = lastRefresh.get(secretName);
    if (last !== undefined && deps.now() - last < deps.refreshIntervalMs) return false;
    lastRefresh.set(secretName, deps.now());
    return true;
  };

  return {
    async verify(rawBody, authorization, xTsAuthorization) {
      const headers = parseCallbackAuthHeaders(authorization, xTsAuthorization);
      if (!headers.ok) return { ok: false, reason: headers.reason };
      const { customerId, signature } = headers.value;
      const account = findAccount(deps.accounts, customerId);
      if (!account) return { ok: false, reason: 'the customer id is not one of the configured Telesign accounts' };

      const secretName = account.apiKeySecretName;
      const cachedKey = await deps.secrets.get(secretName);
      if (matchesKey(cachedKey, rawBody, signature, secretName)) return { ok: true, account };
      if (mayRefresh(secretName)) {
        deps.secrets.invalidate(secretName, cachedKey);
        if (matchesKey(await deps.secrets.get(secretName), rawBody, signature, secretName))
          return { ok: true, account };
      }
      return { ok: false, reason: 'the signature does not match the body' };
    },
  };
}
