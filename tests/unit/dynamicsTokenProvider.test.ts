import { DynamicsError } from '../../shared/dynamics/dynamicsError';
import { type AccessTokenSource, createTokenProvider } from '../../shared/dynamics/tokenProvider';

const SCOPE = 'https://org-c.crm.dynamics.com/.default';
const HOUR = 3_600_000;
const MARGIN = 300_000;

/** A stand-in for the identity library: numbered tokens, an hour each, and a record of every credential built. */
function fakeIdentity(clock: { now: number }) {
  const built: number[] = [];
  let issued = 0;
  let failWith: unknown;
  const requests: string[] = [];
  const createCredential = (): AccessTokenSource => {
    built.push(clock.now);
    return {
      async getToken(scopes) {
        requests.push(String(scopes));
        if (failWith) throw failWith;
        issued++;
        return { token: `token-${issued}`, expiresOnTimestamp: clock.now + HOUR };
      },
    };
  };
  return {
    createCredential,
    built,
    requests,
    fail: (error: unknown) => (failWith = error),
    recover: () => (failWith = undefined),
  };
}

function setup() {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const identity = fakeIdentity(clock);
  const provider = createTokenProvider({
    createCredential: identity.createCredential,
    scope: SCOPE,
    refreshMarginMs: MARGIN,
    now: () => clock.now,
  });
  return { clock, identity, provider };
}

describe('createTokenProvider', () => {
  it('asks once for the scope and serves the cached token', async () => {
    const { identity, provider } = setup();
    expect(await provider.getToken()).toBe('token-1');
    expect(await provider.getToken()).toBe('token-1');
    expect(identity.requests).toEqual([SCOPE]);
  });

  it('asks once for concurrent callers', async () => {
    const { identity, provider } = setup();
    const tokens = await Promise.all([provider.getToken(), provider.getToken(), provider.getToken()]);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    expect(identity.requests).toHaveLength(1);
  });

  it('renews the margin before expiry', async () => {
    const { clock, provider } = setup();
    await provider.getToken();
    clock.now += HOUR - MARGIN - 1;
    expect(await provider.getToken()).toBe('token-1');
    clock.now += 2;
    expect(await provider.getToken()).toBe('token-2');
  });

  it('keeps serving a still-valid token when the early renewal fails, and fails once it has expired', async () => {
    const { clock, identity, provider } = setup();
    await provider.getToken();
    identity.fail(Object.assign(new Error('connect ECONNREFUSED'), { name: 'AuthenticationError', statusCode: 503 }));
    clock.now += HOUR - MARGIN + 1;
    expect(await provider.getToken()).toBe('token-1');
    clock.now += MARGIN;
    await expect(provider.getToken()).rejects.toMatchObject({ kind: 'unavailable', httpStatus: 503 });
    identity.recover();
    expect(await provider.getToken()).toBe('token-2');
  });

  it('honours the credential’s own refresh hint when it is earlier', async () => {
    const clock = { now: 1_000_000 };
    let n = 0;
    const provider = createTokenProvider({
      scope: SCOPE,
      now: () => clock.now,
      createCredential: () => ({
        getToken: async () => ({
          token: `t${++n}`,
          expiresOnTimestamp: clock.now + HOUR,
          refreshAfterTimestamp: clock.now + 60_000,
        }),
      }),
    });
    await provider.getToken();
    clock.now += 60_001;
    expect(await provider.getToken()).toBe('t2');
  });

  it('renews half-way through a token that lives shorter than the margin', async () => {
    const clock = { now: 0 };
    let n = 0;
    const provider = createTokenProvider({
      scope: SCOPE,
      refreshMarginMs: MARGIN,
      now: () => clock.now,
      createCredential: () => ({
        getToken: async () => ({ token: `t${++n}`, expiresOnTimestamp: clock.now + 120_000 }),
      }),
    });
    await provider.getToken();
    clock.now += 59_000;
    expect(await provider.getToken()).toBe('t1');
    clock.now += 2_000;
    expect(await provider.getToken()).toBe('t2');
  });

  it('after invalidate, builds a new credential (whose cache cannot hold the rejected token) and gets a new token', async () => {
    const { identity, provider } = setup();
    const rejected = await provider.getToken();
    provider.invalidate(rejected);
    expect(await provider.getToken()).toBe('token-2');
    expect(identity.built).toHaveLength(2);
  });

  it('refreshes once when several calls were rejected with the same token', async () => {
    const { identity, provider } = setup();
    const rejected = await provider.getToken();
    provider.invalidate(rejected);
    const fresh = await provider.getToken();
    provider.invalidate(rejected);
    provider.invalidate(rejected);
    expect(await provider.getToken()).toBe(fresh);
    expect(identity.requests).toHaveLength(2);
  });

  it('reports a refused credential as unauthorized, keeping only Entra’s error code', async () => {
    const { identity, provider } = setup();
    identity.fail(
      Object.assign(new Error('AADSTS7000215: Invalid client secret provided. secret=hunter2'), {
        name: 'AuthenticationError',
        statusCode: 401,
        errorResponse: { error: 'invalid_client' },
      }),
    );
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamicsError);
    expect(error).toMatchObject({ kind: 'unauthorized', httpStatus: 401 });
    expect((error as Error).message).toBe(
      'No Messaging API token (AuthenticationError, status 401, invalid_client, AADSTS7000215).',
    );
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('reads the OAuth error code an Entra refusal comes with through MSAL', async () => {
    const { identity, provider } = setup();
    identity.fail(
      Object.assign(new Error('invalid_scope: AADSTS70011: The provided value for scope x is not valid.'), {
        name: 'AuthenticationRequiredError',
      }),
    );
    await expect(provider.getToken()).rejects.toMatchObject({
      kind: 'unauthorized',
      message: 'No Messaging API token (AuthenticationRequiredError, invalid_scope, AADSTS70011).',
    });
    identity.fail(
      Object.assign(new Error('network_error: Network request failed'), { name: 'AuthenticationRequiredError' }),
    );
    await expect(provider.getToken()).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('reports no answer at all as unavailable, and tries a credential that failed to build again', async () => {
    const clock = { now: 0 };
    let builds = 0;
    const provider = createTokenProvider({
      scope: SCOPE,
      now: () => clock.now,
      createCredential: async () => {
        if (++builds === 1) throw Object.assign(new Error('vault down'), { name: 'CredentialUnavailableError' });
        return { getToken: async () => ({ token: 'ok', expiresOnTimestamp: HOUR }) };
      },
    });
    await expect(provider.getToken()).rejects.toMatchObject({ kind: 'unavailable' });
    expect(await provider.getToken()).toBe('ok');
  });

  it('treats an empty answer as unavailable', async () => {
    const provider = createTokenProvider({ scope: SCOPE, createCredential: () => ({ getToken: async () => null }) });
    await expect(provider.getToken()).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
