import { DynamicsError } from './dynamicsError';
import type { AccessTokenSource } from './tokenProvider';

/**
 * The OAuth 2.0 client-credentials request (RFC 6749 §4.4), for a local authority served over plain http:
 * @azure/identity refuses any authority that is not https, and Entra is always https, so this runs only against
 * a stand-in on this machine. The same form fields as Entra's v2 endpoint: a secret or a client assertion.
 */
export interface PlainTokenRequestOptions {
  /** `{authorityHost}/{tenantId}/oauth2/v2.0/token`. */
  tokenUrl: string;
  clientId: string;
  client: { secret: string } | { assertion: () => Promise<string> };
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export function createPlainTokenRequest(options: PlainTokenRequestOptions): AccessTokenSource {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  return {
    async getToken(scopes) {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: options.clientId,
        scope: Array.isArray(scopes) ? scopes.join(' ') : scopes,
      });
      if ('secret' in options.client) form.set('client_secret', options.client.secret);
      else {
        form.set('client_assertion_type', ASSERTION_TYPE);
        form.set('client_assertion', await options.client.assertion());
      }
      let response: Response;
      let body: unknown;
      try {
        response = await fetchImpl(options.tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form.toString(),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        body = await response.json().catch(() => undefined);
      } catch {
        throw new DynamicsError('unavailable', 'No Messaging API token: the token endpoint did not answer.');
      }
      const answer = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      if (!response.ok) {
        // The OAuth error code names the problem (invalid_client, invalid_scope); its description may echo input.
        const code = typeof answer.error === 'string' ? answer.error.slice(0, 60) : 'no error code';
        const kind = response.status >= 500 || response.status === 429 ? 'unavailable' : 'unauthorized';
        throw new DynamicsError(kind, `No Messaging API token (status ${response.status}, ${code}).`, {
          httpStatus: response.status,
        });
      }
      const token = answer.access_token;
      const expiresIn = Number(answer.expires_in);
      if (typeof token !== 'string' || token === '' || !Number.isFinite(expiresIn)) {
        throw new DynamicsError('unavailable', 'No Messaging API token: the answer had no access_token or expires_in.');
      }
      return { token, expiresOnTimestamp: now() + expiresIn * 1000 };
    },
  };
}
