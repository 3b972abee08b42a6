import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';

import { AppError } from '../errors';
import type { SecretSource } from './cachedSecretProvider';

export interface KeyVaultSecretClientOptions {
  vaultUrl: string;
  /** Client id of a user-assigned managed identity; omitted, DefaultAzureCredential picks the system identity. */
  managedIdentityClientId?: string;
  /** Overrides DefaultAzureCredential (tests, or callers that already hold a credential). */
  credential?: TokenCredential;
  /** Only for a local stand-in vault over plain http; never in Azure. */
  allowInsecureConnection?: boolean;
  /** Upper bound on one secret read, token included. Default 10 s. */
  callDeadlineMs?: number;
}

// A send waits on this read, so an unreachable vault must fail in seconds, not after the SDK's default
// minute of retries: few, short retries, and one deadline over the whole call (token, attempts, backoff).
const RETRY_OPTIONS = { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1_000 };
const DEFAULT_CALL_DEADLINE_MS = 10_000;

export function createKeyVaultSecretClient(options: KeyVaultSecretClientOptions): SecretClient {
  const credential =
    options.credential ?? new DefaultAzureCredential({ managedIdentityClientId: options.managedIdentityClientId });
  const deadlineMs = options.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
  const clientOptions: SecretClientOptions = {
    retryOptions: RETRY_OPTIONS,
    additionalPolicies: [
      {
        position: 'perCall',
        policy: {
          name: 'secretsCallDeadline',
          // Our own timer rather than the SDK's request.timeout: that one only covers the HTTP attempt, is left
          // running when the connection is refused, and a credential may ignore the abort signal. So the
          // deadline both aborts the request and stops waiting for it.
          async sendRequest(request, next) {
            const controller = new AbortController();
            const outer = request.abortSignal;
            const onOuterAbort = () => controller.abort();
            if (outer?.aborted) controller.abort();
            else outer?.addEventListener('abort', onOuterAbort);
            request.abortSignal = controller.signal;
            let timer: NodeJS.Timeout | undefined;
            const deadline = new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                controller.abort();
                reject(Object.assign(new Error(`Key Vault call exceeded ${deadlineMs} ms`), { name: 'TimeoutError' }));
              }, deadlineMs);
            });
            try {
              return await Promise.race([next(request), deadline]);
            } finally {
              clearTimeout(timer);
              outer?.removeEventListener('abort', onOuterAbort);
            }
          },
        },
      },
    ],
  };
  if (options.allowInsecureConnection) {
    clientOptions.allowInsecureConnection = true;
    // A local vault's host is not *.vault.azure.net, which the SDK otherwise refuses as a challenge resource.
    clientOptions.disableChallengeResourceVerification = true;
  }
  return new SecretClient(options.vaultUrl, credential, clientOptions);
}

/** Reads the latest version of a secret. Errors carry status and code only, never response bodies. */
export function createKeyVaultSecretSource(client: SecretClient): SecretSource {
  return {
    async fetch(name: string): Promise<string> {
      let value: string | undefined;
      try {
        value = (await client.getSecret(name)).value;
      } catch (err) {
        throw toAppError(name, err);
      }
      // Key Vault never stores an empty value; a missing one means nothing usable is there.
      if (value === undefined || value === '') {
        throw new AppError('secret_not_found', `Secret '${name}' has no value in Key Vault`);
      }
      return value;
    },
  };
}

function toAppError(name: string, err: unknown): AppError {
  const { statusCode, code, errorName } = describe(err);
  const details = { secret: name, statusCode, code };
  if (statusCode === 404) {
    return new AppError('secret_not_found', `Secret '${name}' does not exist in Key Vault`, details);
  }
  // Deliberately no `cause`: the SDK error holds the request and response objects, and whoever logs the
  // AppError would log those too. Status, code and error name are enough to tell what went wrong.
  const reason = statusCode !== undefined ? `status ${statusCode}${code ? ` ${code}` : ''}` : (code ?? errorName);
  return new AppError('secrets_unavailable', `Key Vault could not serve secret '${name}' (${reason})`, details);
}

function describe(err: unknown): { statusCode?: number; code?: string; errorName: string } {
  if (typeof err !== 'object' || err === null) return { errorName: typeof err };
  const e = err as { statusCode?: unknown; code?: unknown; name?: unknown };
  return {
    statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
    code: typeof e.code === 'string' ? e.code : undefined,
    errorName: typeof e.name === 'string' ? e.name : 'Error',
  };
}
