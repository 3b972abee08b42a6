import { DynamicsError } from './dynamicsError';

/**
 * Bearer tokens for the Messaging API (docs/dynamics-protocol.md §2): client credentials for one scope, cached and
 * renewed before they expire. Entra does not promise the token's lifetime, so the answer's own expiry rules.
 *
 * `invalidate(token)` after a 401 drops that token and the credential that issued it: @azure/identity keeps its
 * own cache and would hand the rejected token back. Several calls rejected with the same token cause one
 * refresh, not one each. A token never appears in an error or a log line.
 */

/** The part of @azure/identity's TokenCredential used here, so this file needs no SDK. */
export interface AccessTokenSource {
  getToken(
    scopes: string | string[],
    options?: { abortSignal?: AbortSignal },
  ): Promise<{ token: string; expiresOnTimestamp: number; refreshAfterTimestamp?: number } | null>;
}

export interface TokenProvider {
  getToken(): Promise<string>;
  /** Forget `rejected` if it is the cached token; a no-op when a newer one has replaced it already. */
  invalidate(rejected: string): void;
}

export interface TokenProviderOptions {
  /** Called for the first token and again after each invalidation, so a rejected token is never served again. */
  createCredential: () => AccessTokenSource | Promise<AccessTokenSource>;
  scope: string;
  /** Renew this long before expiry. Default 5 minutes. */
  refreshMarginMs?: number;
  now?: () => number;
}

interface Cached {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let credential: Promise<AccessTokenSource> | undefined;
  let cached: Cached | undefined;
  let pending: Promise<Cached> | undefined;

  async function fetchToken(): Promise<Cached> {
    credential ??= Promise.resolve().then(options.createCredential);
    let answer: Awaited<ReturnType<AccessTokenSource['getToken']>>;
    try {
      answer = await (await credential).getToken(options.scope);
    } catch (error) {
      // A credential that failed to build (a secret not readable) is built again next time.
      credential = undefined;
      throw toDynamicsError(error);
    }
    if (!answer?.token) throw new DynamicsError('unavailable', 'The token service returned no Messaging API token.');
    const at = now();
    const expiresAt = answer.expiresOnTimestamp;
    // A lifetime shorter than the margin would mean renewing on every call; renew half-way instead.
    const byMargin = Math.max(expiresAt - margin, at + (expiresAt - at) / 2);
    const refreshAt = Math.min(byMargin, answer.refreshAfterTimestamp ?? Infinity);
    return { token: answer.token, expiresAt, refreshAt };
  }

  function refresh(): Promise<Cached> {
    pending ??= fetchToken()
      .then((fresh) => (cached = fresh))
      .finally(() => (pending = undefined));
    return pending;
  }

  return {
    async getToken() {
      const at = now();
      if (cached && at < cached.refreshAt) return cached.token;
      if (cached && at < cached.expiresAt) {
        // Early renewal: a token service hiccup must not fail a call while the current token still works.
        const still = cached;
        return refresh().then(
          (fresh) => fresh.token,
          () => still.token,
        );
      }
      return (await refresh()).token;
    },
    invalidate(rejected) {
      if (cached?.token !== rejected) return;
      cached = undefined;
      credential = undefined;
    },
  };
}

/**
 * @azure/identity's errors. An AuthenticationError carries Entra's status; an answer Entra gave through MSAL
 * comes as AuthenticationRequiredError whose message starts with the OAuth error code ("invalid_client: …").
 * A refusal (wrong client id, secret, federated credential or scope) is `unauthorized`: retrying cannot fix it.
 * Anything else (no answer, 5xx, metadata not found, managed identity endpoint down) is an outage. Entra's text
 * may quote request details, so only the codes are kept.
 */
const REFUSALS = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_scope',
  'invalid_request',
  'invalid_grant',
  'unsupported_grant_type',
  'access_denied',
]);

function toDynamicsError(error: unknown): DynamicsError {
  if (error instanceof DynamicsError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    statusCode?: unknown;
    message?: unknown;
    errorResponse?: { error?: unknown };
  };
  const name = typeof e.name === 'string' ? e.name.slice(0, 60) : 'Error';
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  const oauthError =
    (typeof e.errorResponse?.error === 'string' ? /^[a-z_]{3,40}$/.exec(e.errorResponse.error)?.[0] : undefined) ??
    /^([a-z_]{3,40}):/.exec(message)?.[1];
  const aadsts = /AADSTS\d{5,8}/.exec(message)?.[0];
  const detail = [name, status === undefined ? undefined : `status ${status}`, oauthError, aadsts]
    .filter(Boolean)
    .join(', ');
  const refused =
    status !== undefined
      ? status >= 400 && status < 500 && status !== 408 && status !== 429
      : oauthError !== undefined && REFUSALS.has(oauthError);
  return new DynamicsError(refused ? 'unauthorized' : 'unavailable', `No Messaging API token (${detail}).`, {
    httpStatus: status,
  });
}
