import { findAccount, type TelesignAccount } from '../config';
import { isAppError } from '../errors';
import { failure, type Outcome, success } from '../outcome';
import type { SecretProvider } from '../secrets/secretProvider';
import type { TelesignClient } from '../telesign/client';
import { classifySendFailure } from './sendFailure';

export interface ValidateDeps {
  accounts: readonly TelesignAccount[];
  secrets: SecretProvider;
  telesignFor: (account: TelesignAccount) => TelesignClient;
}

/**
 * docs/telesign-protocol.md §Credential check: a signed status request for a reference that cannot exist answers
 * 401 when the customer id, key or clock is wrong. The key is read afresh, so that an operator checking a key just
 * set in Key Vault checks that key and not the cached one.
 */
export async function validateCredentials(
  customerId: string | undefined,
  deps: ValidateDeps,
): Promise<Outcome<{ customerId: string; valid: boolean; reason: string }>> {
  const account = customerId ? findAccount(deps.accounts, customerId) : deps.accounts[0];
  if (!account)
    return failure('not_found', `No Telesign account with customer id ${JSON.stringify(customerId)} is configured.`);
  deps.secrets.invalidate(account.apiKeySecretName);
  try {
    const check = await deps.telesignFor(account).checkCredentials();
    return success({ customerId: account.customerId, ...check });
  } catch (error) {
    if (isAppError(error)) return { ok: false, error };
    const classified = classifySendFailure(error);
    return classified.kind === 'failed'
      ? { ok: false, error: classified.error }
      : failure('telesign_unavailable', 'Telesign did not answer in time; try again.');
  }
}
