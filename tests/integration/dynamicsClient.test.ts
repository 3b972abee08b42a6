/**
 * The Dynamics client side (shared/dynamics/) against the Dynamics sandbox (local/dynamicsSandbox), which was
 * written from the protocol alone: tokens from its token endpoint, the two writes of the Messaging API with its
 * validation, codes and faults, and the webhook token check against its JWKS and the tokens its dispatcher signs.
 * HTTP attempts are counted by wrapping global fetch; the peer is always the real sandbox.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { generateKeyPair, SignJWT } from 'jose';

import { DynamicsSandbox } from '../../local/dynamicsSandbox';
import { dynamicsCredentialFactory } from '../../shared/dynamics/credential';
import { DynamicsError } from '../../shared/dynamics/dynamicsError';
import { createMessagingClient, type MessagingClient } from '../../shared/dynamics/messagingClient';
import type { DynamicsAuth } from '../../shared/dynamics/settings';
import { type AccessTokenSource, createTokenProvider, type TokenProvider } from '../../shared/dynamics/tokenProvider';
import { createWebhookAuthenticator, type WebhookAuthenticator } from '../../shared/dynamics/webhookAuth';
import { startTlsFront, TEST_CA } from './dynamicsTlsFront';

const SECRET_NAME = 'dynamics-client-secret';
const PHONE = '+15555550100';

let sandbox: DynamicsSandbox;
let settings: ReturnType<DynamicsSandbox['settings']>;

beforeAll(async () => {
  sandbox = await DynamicsSandbox.start();
  settings = sandbox.settings();
});

afterEach(() => sandbox.reset());

afterAll(async () => {
  await sandbox.stop();
});

interface Attempt {
  url: string;
  headers: Headers;
  body: any;
}

function tokensFor(
  createCredential: () => AccessTokenSource | Promise<AccessTokenSource> = secretCredential(),
): TokenProvider {
  return createTokenProvider({ createCredential, scope: settings.scope });
}

function secretCredential(authorityHost = settings.authorityHost, authorityCa?: string) {
  const auth: DynamicsAuth = { mode: 'clientSecret', clientSecretName: SECRET_NAME };
  return dynamicsCredentialFactory({
    tenantId: settings.tenantId,
    appId: settings.appId,
    authorityHost,
    auth,
    authorityCa,
    getSecret: async (name) => {
      expect(name).toBe(SECRET_NAME);
      return sandbox.clientSecret()!;
    },
  });
}

function clientWith(tokens: TokenProvider = tokensFor(), timeoutMs?: number) {
  const attempts: Attempt[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    attempts.push({
      url: String(input),
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    return fetch(input, init);
  };
  const client = createMessagingClient({
    baseUrl: settings.apiBaseUrl,
    organizationId: settings.organizationId,
    channelId: settings.channelId,
    tokens,
    fetch: recordingFetch,
    timeoutMs,
  });
  return { client, attempts };
}

async function failure(promise: Promise<unknown>): Promise<DynamicsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DynamicsError);
  return error as DynamicsError;
}

async function newConversation(client: MessagingClient, customerId = 'thread-1'): Promise<string> {
  return (await client.createConversation({ customerId, phoneNumber: PHONE })).conversationId;
}

describe('Messaging API client against the sandbox', () => {
  it('creates a conversation with the customer, the context and the first message, with the headers on the call', async () => {
    const { client, attempts } = clientWith();
    const created = await client.createConversation({
      customerId: 'thread-1',
      phoneNumber: PHONE,
      context: {
        supportNumber: '+14252306549',
        queue: 'billing',
        priority: 2,
        internal: { value: 'x', isDisplayable: false },
      },
      startMessage: { text: 'Hi, my order has not arrived', displayName: PHONE },
      requestId: 'sms-in-1',
    });
    expect(created.isNew).toBe(true);
    expect(created.messageId).toMatch(/^\d{13}$/);

    expect(attempts).toHaveLength(1);
    expect(attempts[0].url).toBe(`${settings.apiBaseUrl}/api/v1.0/consumer/conversation/create`);
    expect(attempts[0].headers.get('channel-id')).toBe(settings.channelId);
    expect(attempts[0].headers.get('organization-id')).toBe(settings.organizationId);
    expect(attempts[0].headers.get('authorization')).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);

    const view = sandbox.conversation(created.conversationId);
    expect(view.state).toBe('Open');
    expect(view.customerContext).toMatchObject({ customerid: 'thread-1', phonenumber: PHONE });
    expect(attempts[0].body.conversationcontext).toEqual({
      supportNumber: { isDisplayable: true, value: '+14252306549' },
      queue: { isDisplayable: true, value: 'billing' },
      priority: { isDisplayable: true, value: 2 },
      internal: { isDisplayable: false, value: 'x' },
    });
    expect(view.conversationContext).toEqual({
      supportNumber: '+14252306549',
      queue: 'billing',
      priority: 2,
      internal: 'x',
    });
    expect(view.conversationRequestId).toBe('sms-in-1');
    expect(view.messages.map((m) => m.text)).toEqual(['Hi, my order has not arrived']);
  });

  it('gets the active conversation back for the same customer id', async () => {
    const { client } = clientWith();
    const first = await client.createConversation({ customerId: 'thread-2', phoneNumber: PHONE });
    const again = await client.createConversation({ customerId: 'thread-2', phoneNumber: PHONE });
    expect(again).toEqual({ conversationId: first.conversationId, isNew: false });
  });

  it('posts messages in order with their ids, automated ones marked, and the end of the conversation', async () => {
    const { client } = clientWith();
    const id = await newConversation(client);
    const posted = await client.postActivity(id, {
      type: 'message',
      id: 'msg-1',
      from: { id: PHONE, name: 'Customer' },
      text: 'second message',
    });
    expect(posted.messageId).toMatch(/^\d{13}$/);
    await client.postActivity(id, { type: 'message', id: 'msg-2', text: 'Reply STOP to opt out.', automated: true });
    await client.postActivity(id, { type: 'endOfConversation' });

    const view = sandbox.conversation(id);
    expect(view.customerActivities.map((a) => a.kind)).toEqual(['message', 'message', 'endOfConversation']);
    expect(view.customerActivities[0].activity).toMatchObject({
      id: 'msg-1',
      channelId: settings.channelId,
      conversation: { id },
      from: { id: PHONE, name: 'Customer' },
    });
    expect(view.customerActivities[1].activity).toMatchObject({
      channelData: { 'messagingapi-oc': { type: 'AutomatedMessage' } },
    });
    expect(view.messages.map((m) => [m.text, m.automated])).toEqual([
      ['second message', false],
      ['Reply STOP to opt out.', true],
    ]);
  });

  it('splits a customer message over 6,000 characters into several activities, in order', async () => {
    const { client } = clientWith();
    const id = await newConversation(client);
    const text = Array.from({ length: 1500 }, (_, i) => `w${i}`).join(' ');
    const posted = await client.postMessage(id, { id: 'long-1', text });
    expect(posted.length).toBeGreaterThan(1);
    const activities = sandbox.conversation(id).customerActivities.map((a) => a.activity as any);
    expect(activities.map((a) => a.id)).toEqual(posted.map((_, i) => `long-1-${i + 1}`));
    expect(activities.every((a) => a.text.length <= 6000)).toBe(true);
    expect(activities.map((a) => a.text).join(' ')).toBe(text);
  });

  it('refuses, before sending, what Dynamics would refuse', async () => {
    const { client, attempts } = clientWith();
    const id = await newConversation(client);
    attempts.length = 0;
    const tooLong = await failure(client.postActivity(id, { type: 'message', text: 'x'.repeat(6001) }));
    expect(tooLong).toMatchObject({ kind: 'rejected', httpStatus: undefined });
    expect(tooLong.message).toMatch(/6001 characters; Dynamics allows 6000/);
    const empty = await failure(client.postActivity(id, { type: 'message', text: '' }));
    expect(empty.message).toMatch(/needs text or an attachment/);
    const context = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v']));
    expect((await failure(client.createConversation({ customerId: 't', context }))).message).toMatch(/101 entries/);
    expect(attempts).toHaveLength(0);
  });

  it('reads a conversation closed in Dynamics as not_found (30013), with its correlation id', async () => {
    const { client } = clientWith();
    const id = await newConversation(client);
    sandbox.accept(id);
    sandbox.end(id);
    await sandbox.webhookIdle();
    const gone = await failure(client.postActivity(id, { type: 'message', text: 'anyone there?' }));
    expect(gone).toMatchObject({ kind: 'not_found', httpStatus: 404, dynamicsCode: 30013 });
    expect(gone.correlationId).toMatch(/^[0-9a-f-]{36}$/);

    const unknown = await failure(
      client.postActivity('11111111-2222-3333-4444-555555555555', { type: 'message', text: 'hi' }),
    );
    expect(unknown).toMatchObject({ kind: 'not_found', dynamicsCode: 30013 });

    // After the 404, the same customer id opens a new conversation.
    const next = await client.createConversation({ customerId: 'thread-1', phoneNumber: PHONE });
    expect(next.isNew).toBe(true);
    expect(next.conversationId).not.toBe(id);
  });

  it('classifies a 400 with its 300xx code and correlation id, without retrying', async () => {
    const { client, attempts } = clientWith();
    const badId = await failure(client.postActivity('not-a-guid', { type: 'message', text: 'hi' }));
    expect(badId).toMatchObject({ kind: 'rejected', httpStatus: 400, dynamicsCode: 30005 });
    expect(badId.correlationId).toMatch(/^[0-9a-f-]{36}$/);

    sandbox.setWorkstreamLinked(false);
    try {
      attempts.length = 0;
      const unlinked = await failure(client.createConversation({ customerId: 'thread-3' }));
      expect(unlinked).toMatchObject({ kind: 'rejected', httpStatus: 400, dynamicsCode: 30014 });
      expect(attempts).toHaveLength(1);
    } finally {
      sandbox.setWorkstreamLinked(true);
    }
  });

  it('reads 429 with its Retry-After, and 500 and 503 as unavailable', async () => {
    const { client, attempts } = clientWith();
    sandbox.injectFaults([{ status: 429, retryAfterSeconds: 7 }, { status: 503 }, { status: 500 }]);
    expect(await failure(client.createConversation({ customerId: 'thread-4' }))).toMatchObject({
      kind: 'rate_limited',
      httpStatus: 429,
      retryAfterSeconds: 7,
    });
    expect(await failure(client.createConversation({ customerId: 'thread-4' }))).toMatchObject({
      kind: 'unavailable',
      httpStatus: 503,
    });
    expect(await failure(client.createConversation({ customerId: 'thread-4' }))).toMatchObject({
      kind: 'unavailable',
      httpStatus: 500,
    });
    expect(attempts).toHaveLength(3);
    // Faults are played before anything changes, so the next call creates the conversation.
    expect((await client.createConversation({ customerId: 'thread-4' })).isNew).toBe(true);
  });

  it('reads a hung call and a dropped connection as unavailable, outcome unknown', async () => {
    const { client } = clientWith(tokensFor(), 300);
    await client.createConversation({ customerId: 'warm-up' }); // the token, so only the API call can hang
    sandbox.injectFaults([{ hang: true }, { dropConnection: true }]);
    const hung = await failure(client.createConversation({ customerId: 'thread-5' }));
    expect(hung).toMatchObject({ kind: 'unavailable', outcomeUnknown: true });
    expect(hung.message).toMatch(/did not answer within 300 ms/);
    expect(await failure(client.createConversation({ customerId: 'thread-5' }))).toMatchObject({
      kind: 'unavailable',
      outcomeUnknown: true,
    });
  });

  it('reads a refused connection as unavailable and certainly not sent', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = createMessagingClient({
      baseUrl: `http://127.0.0.1:${port}`,
      organizationId: settings.organizationId,
      channelId: settings.channelId,
      tokens: tokensFor(),
    });
    const error = await failure(client.createConversation({ customerId: 'thread-6' }));
    expect(error).toMatchObject({ kind: 'unavailable', outcomeUnknown: false });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

describe('tokens', () => {
  it('on a 401, gets one fresh token and tries once more', async () => {
    const expired = await sandbox.mintAccessToken({ expiresInSeconds: -600 });
    const real = secretCredential();
    let built = 0;
    const tokens = tokensFor(async () =>
      ++built === 1
        ? { getToken: async () => ({ token: expired, expiresOnTimestamp: Date.now() + 3_600_000 }) }
        : real(),
    );
    const { client, attempts } = clientWith(tokens);
    expect((await client.createConversation({ customerId: 'thread-7' })).isNew).toBe(true);
    expect(attempts.map((a) => a.headers.get('authorization'))).toEqual([`Bearer ${expired}`, expect.any(String)]);
    expect(attempts[1].headers.get('authorization')).not.toBe(`Bearer ${expired}`);
    expect(built).toBe(2);

    // The fresh token is cached: the next call needs no new one.
    await client.createConversation({ customerId: 'thread-8' });
    expect(built).toBe(2);
  });

  it('gives up as unauthorized when the fresh token is refused too', async () => {
    const wrongAudience = await sandbox.mintAccessToken({ audience: 'https://someone-else.crm.dynamics.com' });
    const tokens = tokensFor(() => ({
      getToken: async () => ({ token: wrongAudience, expiresOnTimestamp: Date.now() + 3_600_000 }),
    }));
    const { client, attempts } = clientWith(tokens);
    expect(await failure(client.createConversation({ customerId: 'thread-9' }))).toMatchObject({
      kind: 'unauthorized',
      httpStatus: 401,
    });
    expect(attempts).toHaveLength(2);
  });

  it('reports a wrong client secret as unauthorized, without the secret', async () => {
    const tokens = tokensFor(
      dynamicsCredentialFactory({
        tenantId: settings.tenantId,
        appId: settings.appId,
        authorityHost: settings.authorityHost,
        auth: { mode: 'clientSecret', clientSecretName: SECRET_NAME },
        getSecret: async () => 'not-the-secret',
      }),
    );
    const error = await failure(tokens.getToken());
    expect(error).toMatchObject({ kind: 'unauthorized', httpStatus: 401 });
    expect(error.message).toBe('No Messaging API token (status 401, invalid_client).');
  });

  it('gets a token with a managed identity assertion through a federated credential (no secret)', async () => {
    const issuer = `https://login.microsoftonline.com/${settings.tenantId}/v2.0`;
    const subject = 'managed-identity-object-id';
    const fic = await DynamicsSandbox.start({
      apps: [{ clientId: settings.appId, federatedCredentials: [{ issuer, subject }] }],
    });
    try {
      const assertionSource = await fakeManagedIdentity(issuer, subject);
      const ficSettings = fic.settings();
      const tokens = createTokenProvider({
        scope: ficSettings.scope,
        createCredential: dynamicsCredentialFactory({
          tenantId: ficSettings.tenantId,
          appId: ficSettings.appId,
          authorityHost: ficSettings.authorityHost,
          auth: { mode: 'managedIdentity', assertionScope: 'api://AzureADTokenExchange/.default' },
          assertionSource,
        }),
      });
      const client = createMessagingClient({
        baseUrl: ficSettings.apiBaseUrl,
        organizationId: ficSettings.organizationId,
        channelId: ficSettings.channelId,
        tokens,
      });
      expect((await client.createConversation({ customerId: 'thread-mi' })).isNew).toBe(true);
      expect(assertionSource.scopes).toEqual(['api://AzureADTokenExchange/.default']);
    } finally {
      await fic.stop();
    }
  });

  describe('through @azure/identity (an https front on the sandbox, as Entra is)', () => {
    let front: Awaited<ReturnType<typeof startTlsFront>>;
    beforeAll(async () => {
      front = await startTlsFront(settings.url);
    });
    afterAll(() => front.close());

    it('ClientSecretCredential gets a token the API accepts', async () => {
      const { client } = clientWith(tokensFor(secretCredential(front.url, TEST_CA)));
      expect((await client.createConversation({ customerId: 'thread-identity' })).isNew).toBe(true);
    });

    it('ClientAssertionCredential gets one with the managed identity assertion', async () => {
      const issuer = `https://login.microsoftonline.com/${settings.tenantId}/v2.0`;
      const subject = 'managed-identity-object-id';
      const fic = await DynamicsSandbox.start({
        apps: [{ clientId: settings.appId, federatedCredentials: [{ issuer, subject }] }],
      });
      const ficFront = await startTlsFront(fic.url);
      try {
        const ficSettings = fic.settings();
        const tokens = createTokenProvider({
          scope: ficSettings.scope,
          createCredential: dynamicsCredentialFactory({
            tenantId: ficSettings.tenantId,
            appId: ficSettings.appId,
            authorityHost: ficFront.url,
            authorityCa: TEST_CA,
            auth: { mode: 'managedIdentity', assertionScope: 'api://AzureADTokenExchange/.default' },
            assertionSource: await fakeManagedIdentity(issuer, subject),
          }),
        });
        const client = createMessagingClient({
          baseUrl: ficSettings.apiBaseUrl,
          organizationId: ficSettings.organizationId,
          channelId: ficSettings.channelId,
          tokens,
        });
        expect((await client.createConversation({ customerId: 'thread-identity-mi' })).isNew).toBe(true);
      } finally {
        await ficFront.close();
        await fic.stop();
      }
    });

    it('reports a secret Entra refuses as unauthorized', async () => {
      const tokens = tokensFor(
        dynamicsCredentialFactory({
          tenantId: settings.tenantId,
          appId: settings.appId,
          authorityHost: front.url,
          authorityCa: TEST_CA,
          auth: { mode: 'clientSecret', clientSecretName: SECRET_NAME },
          getSecret: async () => 'not-the-secret',
        }),
      );
      const error = await failure(tokens.getToken());
      expect(error.kind).toBe('unauthorized');
      expect(error.message).toBe('No Messaging API token (AuthenticationRequiredError, invalid_client).');
    });
  });
});

/** The managed identity endpoint is out of reach here: a signed JWT with the claims Entra puts in its token. */
async function fakeManagedIdentity(issuer: string, subject: string) {
  const { privateKey } = await generateKeyPair('RS256');
  const scopes: string[] = [];
  return {
    scopes,
    async getToken(scope: string | string[]) {
      scopes.push(String(scope));
      const token = await new SignJWT({ sub: subject })
        .setProtectedHeader({ alg: 'RS256', kid: 'mi' })
        .setIssuer(issuer)
        .setAudience('api://AzureADTokenExchange')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey);
      return { token, expiresOnTimestamp: Date.now() + 600_000 };
    },
  };
}

describe('webhook token check against the sandbox', () => {
  function authenticator(jwksUrl = settings.jwksUrl): WebhookAuthenticator {
    return createWebhookAuthenticator({
      issuers: [settings.webhookIssuer],
      audiences: [settings.webhookAudience],
      tenantId: settings.tenantId,
      appIds: [settings.appId],
      clockSkewSeconds: 300,
      keys: { jwksUrl, timeoutMs: 2_000 },
    });
  }

  it('accepts the token the sandbox dispatcher sends with a webhook', async () => {
    const received: Array<string | undefined> = [];
    const receiver = http.createServer((req, res) => {
      received.push(req.headers.authorization);
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      sandbox.setWebhookUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/dynamics`);
      const { client } = clientWith();
      const id = await newConversation(client);
      sandbox.accept(id);
      await sandbox.webhookIdle();
      expect(received.length).toBeGreaterThan(0);
      const result = await authenticator().verify(received[0]);
      expect(result).toMatchObject({ ok: true, claims: { tid: settings.tenantId, azp: settings.appId } });
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('refuses no token, an expired one, a wrong audience and another tenant', async () => {
    const check = authenticator();
    const bearer = async (overrides: Parameters<DynamicsSandbox['mintWebhookToken']>[0]) =>
      `Bearer ${await sandbox.mintWebhookToken(overrides)}`;
    expect(await check.verify(undefined)).toMatchObject({ ok: false, kind: 'invalid', reason: 'missing_token' });
    expect(await check.verify(await bearer({ expiresInSeconds: -600 }))).toMatchObject({ reason: 'expired' });
    expect(await check.verify(await bearer({ audience: 'api://another-app' }))).toMatchObject({
      reason: 'wrong_audience',
    });
    const otherTenant = '11111111-2222-3333-4444-555555555555';
    expect(await check.verify(await bearer({ tenantId: otherTenant }))).toMatchObject({
      ok: false,
      kind: 'invalid',
      reason: 'wrong_issuer',
    });
    // Even with the issuer this deployment trusts, a token of another tenant is refused.
    expect(await check.verify(await bearer({ tenantId: otherTenant, issuer: settings.webhookIssuer }))).toMatchObject({
      reason: 'wrong_tenant',
    });
    expect(await check.verify(await bearer({ appId: '99999999-2222-3333-4444-555555555555' }))).toMatchObject({
      reason: 'wrong_app',
    });
  });

  it('reads key sets it cannot fetch as an outage, not as a bad token', async () => {
    const token = `Bearer ${await sandbox.mintWebhookToken()}`;
    const missing = await authenticator(`${settings.url}/no-such-tenant/keys`).verify(token);
    expect(missing).toMatchObject({ ok: false, kind: 'unavailable', reason: 'keys_unavailable' });

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await authenticator(`http://127.0.0.1:${port}/keys`).verify(token);
    expect(unreachable).toMatchObject({ ok: false, kind: 'unavailable', reason: 'keys_unavailable' });
    expect(unreachable.ok === false && unreachable.message).toMatch(/ECONNREFUSED/);
  });
});
