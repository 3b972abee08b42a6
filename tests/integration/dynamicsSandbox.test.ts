/**
 * The Dynamics sandbox against the protocol (docs/dynamics-protocol.md). Every request here is built by hand with fetch
 * and every webhook token is checked with jose against the sandbox's JWKS, never with the project's Dynamics
 * client: a bug the two shared would otherwise go unnoticed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  createLocalJWKSet,
  decodeJwt,
  generateKeyPair,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

import {
  CLIENT_ASSERTION_TYPE,
  DynamicsSandbox,
  type DynamicsSandboxOptions,
  SANDBOX_IDENTITY,
  TOKEN_EXCHANGE_AUDIENCE,
} from '../../local/dynamicsSandbox';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OTHER_GUID = '11111111-2222-4333-8444-555555555555';
const FORM = 'application/x-www-form-urlencoded';
const MI_ISSUER = `https://login.microsoftonline.com/${SANDBOX_IDENTITY.tenantId}/v2.0`;
const MI_SUBJECT = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';

// ---------------------------------------------------------------------------------------------------------------
// A local HTTP server standing in for our webhook
// ---------------------------------------------------------------------------------------------------------------

interface Received {
  path: string;
  authorization?: string;
  json: any;
}

type Answer = number | 'hang';

class WebhookReceiver {
  readonly received: Received[] = [];
  /** Answers in order; 200 once exhausted. */
  answers: Answer[] = [];
  url = '';
  private waiters: Array<() => void> = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({
        path: req.url ?? '',
        authorization: req.headers.authorization,
        json: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      this.waiters.forEach((w) => w());
      const answer = this.answers.shift() ?? 200;
      if (answer === 'hang') return;
      res.writeHead(answer, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end('{"ignored":true}');
    });
  });

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.server.address() as AddressInfo;
    receiver.url = `http://127.0.0.1:${port}/api/dynamics`;
    return receiver;
  }

  until(predicate: (received: Received[]) => boolean): Promise<Received[]> {
    return new Promise((resolve) => {
      const check = () => {
        if (!predicate(this.received)) return;
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve([...this.received]);
      };
      this.waiters.push(check);
      check();
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** How our webhook would check a token: jose against the JWKS the sandbox serves. */
async function verifyWebhookToken(sandbox: DynamicsSandbox, authorization: string | undefined): Promise<JWTPayload> {
  const jwks = (await (await fetch(sandbox.settings().jwksUrl)).json()) as JSONWebKeySet;
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!token) throw new Error('no bearer token');
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
    algorithms: ['RS256'],
    audience: `api://${SANDBOX_IDENTITY.appId}`,
    issuer: MI_ISSUER,
    clockTolerance: 300,
  });
  return payload;
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-made client bits
// ---------------------------------------------------------------------------------------------------------------

async function requestToken(sandbox: DynamicsSandbox, fields: Record<string, string>, tenant?: string) {
  const url = tenant ? `${sandbox.url}/${tenant}/oauth2/v2.0/token` : sandbox.settings().tokenUrl;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': FORM },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, json: (await res.json()) as any };
}

function secretFields(sandbox: DynamicsSandbox): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: SANDBOX_IDENTITY.appId,
    client_secret: SANDBOX_IDENTITY.clientSecret,
    scope: sandbox.settings().scope,
  };
}

async function accessToken(sandbox: DynamicsSandbox): Promise<string> {
  const answer = await requestToken(sandbox, secretFields(sandbox));
  if (answer.status !== 200) throw new Error(`token ${answer.status}`);
  return answer.json.access_token;
}

let assertionKey: Promise<Awaited<ReturnType<typeof generateKeyPair>>> | undefined;

/** A client assertion as a managed identity would present it; its signature cannot be checked locally. */
async function miAssertion(claims: Partial<JWTPayload> = {}, lifetimeSeconds = 600): Promise<string> {
  assertionKey ??= generateKeyPair('RS256');
  const { privateKey } = await assertionKey;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: MI_ISSUER,
    sub: MI_SUBJECT,
    aud: TOKEN_EXCHANGE_AUDIENCE,
    iat: now,
    nbf: now,
    exp: now + lifetimeSeconds,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .sign(privateKey);
}

interface ApiAnswer {
  status: number;
  headers: Headers;
  json: any;
}

interface ApiInput {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  rawBody?: string;
  token?: string | null;
  headers?: Record<string, string | undefined>;
  contentType?: string;
}

class Api {
  constructor(
    private readonly sandbox: DynamicsSandbox,
    private readonly token: string,
  ) {}

  async call(path: string, input: ApiInput = {}): Promise<ApiAnswer> {
    const settings = this.sandbox.settings();
    const method = input.method ?? (input.body !== undefined || input.rawBody !== undefined ? 'POST' : 'GET');
    const headers: Record<string, string> = {};
    const all: Record<string, string | undefined> = {
      'channel-id': settings.channelId,
      'organization-id': settings.organizationId,
      ...(input.token !== null && { Authorization: `Bearer ${input.token ?? this.token}` }),
      ...(method === 'POST' && { 'Content-Type': input.contentType ?? 'application/json' }),
      ...input.headers,
    };
    for (const [k, v] of Object.entries(all)) if (v !== undefined) headers[k] = v;
    const body = input.rawBody ?? (input.body === undefined ? undefined : JSON.stringify(input.body));
    const res = await fetch(`${settings.apiBaseUrl}/api/v1.0/consumer/${path}`, { method, headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json };
  }

  create(body: unknown, input: ApiInput = {}) {
    return this.call('conversation/create', { ...input, body });
  }

  post(conversationId: string, activity: unknown, input: ApiInput = {}) {
    return this.call(`conversation/${conversationId}`, { ...input, body: activity });
  }

  message(conversationId: string, text: string, extra: Record<string, unknown> = {}) {
    return this.post(conversationId, {
      type: 'message',
      channelId: this.sandbox.settings().channelId,
      conversation: { id: conversationId },
      from: { id: 'customer', name: 'Customer' },
      text,
      ...extra,
    });
  }
}

function expectProblem(answer: ApiAnswer, status: number, errorCode?: number): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.headers.get('x-ms-correlation-id')).toMatch(GUID);
  expect(answer.json).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
    }),
  );
  if (errorCode === undefined) expect(answer.json.errorCode).toBeUndefined();
  else expect(answer.json.errorCode).toBe(errorCode);
}

const customer = (id: string, phone = '+15555550100') => ({
  customercontext: { customerid: id, phonenumber: phone, firstname: 'Ada', lastname: 'Lovelace' },
});

async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

// ---------------------------------------------------------------------------------------------------------------
// The running sandbox
// ---------------------------------------------------------------------------------------------------------------

describe('DynamicsSandbox over HTTP', () => {
  let sandbox: DynamicsSandbox;
  let receiver: WebhookReceiver;
  let api: Api;
  let logLines: string[];
  const extraSandboxes: DynamicsSandbox[] = [];

  async function startSandbox(extra: Partial<DynamicsSandboxOptions> = {}): Promise<DynamicsSandbox> {
    const capture = (level: string) => (message: string, props?: Record<string, unknown>) => {
      logLines.push(`${level} ${message} ${JSON.stringify(props ?? {})}`);
    };
    return DynamicsSandbox.start({
      apps: [
        {
          clientId: SANDBOX_IDENTITY.appId,
          clientSecret: SANDBOX_IDENTITY.clientSecret,
          federatedCredentials: [{ issuer: MI_ISSUER, subject: MI_SUBJECT }],
        },
      ],
      channels: [{ channelId: SANDBOX_IDENTITY.channelId, appId: SANDBOX_IDENTITY.appId, webhookUrl: receiver.url }],
      webhook: { timeoutMs: 3_000, retryDelaysMs: [10, 20], holdMs: 50 },
      logger: { info: capture('info'), warn: capture('warn'), error: capture('error') },
      ...extra,
    });
  }

  async function another(extra: Partial<DynamicsSandboxOptions>): Promise<{ sandbox: DynamicsSandbox; api: Api }> {
    const other = await startSandbox(extra);
    extraSandboxes.push(other);
    return { sandbox: other, api: new Api(other, await accessToken(other)) };
  }

  beforeEach(async () => {
    logLines = [];
    receiver = await WebhookReceiver.start();
    sandbox = await startSandbox();
    api = new Api(sandbox, await accessToken(sandbox));
  });

  afterEach(async () => {
    await Promise.all(extraSandboxes.splice(0).map((s) => s.stop()));
    await sandbox.stop();
    await receiver.close();
  });

  async function newConversation(customerId = 'cust-1', phone?: string): Promise<string> {
    const answer = await api.create(customer(customerId, phone));
    expect(answer.status).toBe(200);
    return answer.json.conversationId;
  }

  // -------------------------------------------------------------------------------------------------------------
  describe('token endpoint and JWKS', () => {
    test('client credentials with the secret and the exact scope give a Bearer JWT the JWKS verifies', async () => {
      const answer = await requestToken(sandbox, secretFields(sandbox));
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ token_type: 'Bearer', expires_in: 3599, access_token: expect.any(String) });
      const jwks = (await (await fetch(sandbox.settings().jwksUrl)).json()) as JSONWebKeySet;
      const resource = sandbox.settings().scope.replace(/\/\.default$/, '');
      const { payload, protectedHeader } = await jwtVerify(answer.json.access_token, createLocalJWKSet(jwks), {
        audience: resource,
      });
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload).toMatchObject({ tid: SANDBOX_IDENTITY.tenantId, appid: SANDBOX_IDENTITY.appId });
      expect(payload.exp! - payload.iat!).toBe(3599);
    });

    test('a sandbox started with no options takes its documented default secret and managed identity', async () => {
      const plain = await DynamicsSandbox.start();
      extraSandboxes.push(plain);
      const settings = plain.settings();
      expect(settings).toMatchObject({
        tenantId: SANDBOX_IDENTITY.tenantId,
        appId: SANDBOX_IDENTITY.appId,
        channelId: SANDBOX_IDENTITY.channelId,
        organizationId: SANDBOX_IDENTITY.organizationId,
      });
      expect(plain.clientSecret()).toBe(SANDBOX_IDENTITY.clientSecret);
      expect((await requestToken(plain, secretFields(plain))).status).toBe(200);
      const { client_secret: _secret, ...fields } = secretFields(plain);
      const viaIdentity = await requestToken(plain, {
        ...fields,
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await miAssertion({ sub: SANDBOX_IDENTITY.managedIdentityId }),
      });
      expect(viaIdentity.status).toBe(200);
    });

    test('the default scope is the organization id without dashes on the -c host', () => {
      expect(sandbox.settings().scope).toBe(
        `https://${SANDBOX_IDENTITY.organizationId.replace(/-/g, '')}-c.crm.dynamics.com/.default`,
      );
    });

    test.each([
      ['a wrong secret', 401, 'invalid_client', { client_secret: 'nope' }],
      ['an unknown client id', 401, 'invalid_client', { client_id: OTHER_GUID }],
      ['another scope', 400, 'invalid_scope', { scope: 'https://other.crm.dynamics.com/.default' }],
      ['the scope without /.default', 400, 'invalid_scope', { scope: 'resource-without-default' }],
      ['grant_type password', 400, 'unsupported_grant_type', { grant_type: 'password' }],
      ['no grant_type', 400, 'invalid_request', { grant_type: undefined }],
      ['no client_id', 400, 'invalid_request', { client_id: undefined }],
      ['no scope', 400, 'invalid_request', { scope: undefined }],
      ['no secret and no assertion', 400, 'invalid_request', { client_secret: undefined }],
    ])('%s is refused (%d %s)', async (_name, status, error, change) => {
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...secretFields(sandbox), ...change })) if (v !== undefined) fields[k] = v;
      const answer = await requestToken(sandbox, fields);
      expect(answer.status).toBe(status);
      expect(answer.json).toEqual({ error, error_description: expect.any(String) });
    });

    test('another tenant and a JSON body are refused', async () => {
      expect((await requestToken(sandbox, secretFields(sandbox), OTHER_GUID)).status).toBe(400);
      const res = await fetch(sandbox.settings().tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(secretFields(sandbox)),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error).toBe('invalid_request');
    });

    test('a client assertion matching a federated credential is taken instead of a secret', async () => {
      const { client_secret: _secret, ...fields } = secretFields(sandbox);
      const answer = await requestToken(sandbox, {
        ...fields,
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await miAssertion(),
      });
      expect(answer.status).toBe(200);
      expect(decodeJwt(answer.json.access_token).appid).toBe(SANDBOX_IDENTITY.appId);
    });

    test.each([
      ['another subject', async () => miAssertion({ sub: OTHER_GUID }), 401],
      ['another issuer', async () => miAssertion({ iss: 'https://sts.windows.net/other/' }), 401],
      ['another audience', async () => miAssertion({ aud: 'api://something-else' }), 401],
      ['an expired assertion', async () => miAssertion({}, -60), 401],
      ['an unsigned assertion', async () => (await miAssertion()).split('.').slice(0, 2).join('.') + '.', 401],
      ['not a JWT', async () => 'not-a-jwt', 401],
    ])('a client assertion with %s is refused', async (_name, make, status) => {
      const { client_secret: _secret, ...fields } = secretFields(sandbox);
      const answer = await requestToken(sandbox, {
        ...fields,
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await make(),
      });
      expect(answer.status).toBe(status);
      expect(answer.json.error).toBe('invalid_client');
    });

    test('an assertion of the wrong type, or a secret and an assertion together, are invalid requests', async () => {
      const { client_secret: _secret, ...fields } = secretFields(sandbox);
      const wrongType = await requestToken(sandbox, {
        ...fields,
        client_assertion_type: 'urn:something',
        client_assertion: await miAssertion(),
      });
      expect(wrongType.status).toBe(400);
      expect(wrongType.json.error).toBe('invalid_request');
      const both = await requestToken(sandbox, {
        ...secretFields(sandbox),
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await miAssertion(),
      });
      expect(both.status).toBe(400);
    });

    test('the JWKS is served for any tenant path, as one RS256 signing key with a kid', async () => {
      const res = await fetch(`${sandbox.url}/${OTHER_GUID}/discovery/v2.0/keys`);
      expect(res.status).toBe(200);
      const jwks = (await res.json()) as any;
      expect(jwks.keys).toEqual([
        expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) }),
      ]);
      expect(jwks.keys[0].d).toBeUndefined();
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('authentication and header checks', () => {
    test('no Authorization header → 401 problem with a correlation id', async () => {
      expectProblem(await api.create(customer('c'), { token: null }), 401);
      expect(sandbox.conversations()).toHaveLength(0);
    });

    test.each([
      ['expired', { expiresInSeconds: -60 }],
      ['for another audience', { audience: 'https://other-c.crm.dynamics.com' }],
      ['from another tenant', { tenantId: OTHER_GUID }],
      ['with another issuer', { issuer: 'https://sts.windows.net/whatever/' }],
    ])('a token %s → 401', async (_name, overrides) => {
      const token = await sandbox.mintAccessToken(overrides);
      expectProblem(await api.create(customer('c'), { token }), 401);
    });

    test('a token signed by another key → 401; a non-Bearer header → 401', async () => {
      const { sandbox: other } = await another({ freshSigningKey: true });
      expectProblem(await api.create(customer('c'), { token: await accessToken(other) }), 401);
      expectProblem(
        await api.create(customer('c'), {
          headers: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        }),
        401,
      );
    });

    test.each([
      ['organization-id not a GUID', 400, 30001, { 'organization-id': 'contoso' }],
      ['organization-id missing', 400, 30001, { 'organization-id': undefined }],
      ['channel-id not a GUID', 400, 30002, { 'channel-id': '12345' }],
      ['channel-id missing', 400, 30002, { 'channel-id': undefined }],
      ['an unknown channel', 404, 30004, { 'channel-id': OTHER_GUID }],
      ['another organization', 401, undefined, { 'organization-id': OTHER_GUID }],
    ])('%s → %s %s', async (_name, status, code, headers) => {
      expectProblem(await api.create(customer('c'), { headers }), status, code);
      expectProblem(await api.call('conversations', { headers }), status, code);
    });

    test("a token of an app that is not the channel's app → 401", async () => {
      const otherApp = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
      const otherChannel = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
      const two = await startSandbox({
        apps: [
          { clientId: SANDBOX_IDENTITY.appId, clientSecret: 's1' },
          { clientId: otherApp, clientSecret: 's2' },
        ],
        channels: [
          { channelId: SANDBOX_IDENTITY.channelId, appId: SANDBOX_IDENTITY.appId },
          { channelId: otherChannel, appId: otherApp },
        ],
      });
      extraSandboxes.push(two);
      const tokenOfOther = await requestToken(two, {
        grant_type: 'client_credentials',
        client_id: otherApp,
        client_secret: 's2',
        scope: two.settings().scope,
      });
      const twoApi = new Api(two, tokenOfOther.json.access_token);
      expectProblem(await twoApi.create(customer('c')), 401);
      expect((await twoApi.create(customer('c'), { headers: { 'channel-id': otherChannel } })).status).toBe(200);
    });

    test('a channel not linked to a workstream → 400 30014, until it is linked', async () => {
      sandbox.setWorkstreamLinked(false);
      expectProblem(await api.create(customer('c')), 400, 30014);
      expectProblem(await api.call('conversations'), 400, 30014);
      sandbox.setWorkstreamLinked(true);
      expect((await api.create(customer('c'))).status).toBe(200);
    });

    test('the pre-GA x-ms- header names are refused unless switched on', async () => {
      const legacy = {
        'channel-id': undefined,
        'organization-id': undefined,
        'x-ms-channel-id': SANDBOX_IDENTITY.channelId,
        'x-ms-organization-id': SANDBOX_IDENTITY.organizationId,
      };
      expectProblem(await api.create(customer('c'), { headers: legacy }), 400, 30001);
      const { api: lenient } = await another({ acceptLegacyHeaders: true });
      expect((await lenient.create(customer('c'), { headers: legacy })).status).toBe(200);
    });

    test('methods other than GET and POST → 405; unknown routes → 404', async () => {
      const put = await api.call('conversations', { method: 'PUT', body: {} });
      expect(put.status).toBe(405);
      expect(put.headers.get('allow')).toBe('GET');
      expect(put.headers.get('x-ms-correlation-id')).toMatch(GUID);
      expect((await api.call('conversation/create', { method: 'GET' })).status).toBe(405);
      expectProblem(await api.call('nothing/here'), 404);
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('POST /conversation/create', () => {
    test('a new conversation: GUID, isNew, 13-digit messageId with the start message; Open, context kept', async () => {
      const answer = await api.create({
        ...customer('cust-1', '+15555550111'),
        conversationcontext: { queue: { isDisplayable: true, value: 'support' }, priority: { value: 1 } },
        startmessage: { message: 'Hi, my order has not arrived', displayname: 'Ada' },
        skipdeflectionbot: true,
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.json).toEqual({
        conversationId: expect.stringMatching(GUID),
        isNew: true,
        messageId: expect.any(String),
      });
      expect(answer.json.messageId).toMatch(/^\d{13}$/);
      expect(Math.abs(Number(answer.json.messageId) - Date.now())).toBeLessThan(60_000);
      const view = sandbox.conversation(answer.json.conversationId);
      expect(view).toMatchObject({
        state: 'Open',
        customerContext: { customerid: 'cust-1', phonenumber: '+15555550111', firstname: 'Ada' },
        conversationContext: { queue: 'support', priority: 1 },
        skipDeflectionBot: true,
      });
      expect(view.messages).toEqual([
        expect.objectContaining({
          sender: 'customer',
          text: 'Hi, my order has not arrived',
          messageId: answer.json.messageId,
        }),
      ]);
    });

    test('no start message, no messageId', async () => {
      const answer = await api.create(customer('cust-2'));
      expect(answer.json).toEqual({ conversationId: expect.stringMatching(GUID), isNew: true });
    });

    test('the same customerid while active returns the same conversation, isNew false, start message unused', async () => {
      const first = await api.create({ ...customer('cust-3'), startmessage: { message: 'one' } });
      const again = await api.create({ ...customer('cust-3'), startmessage: { message: 'two' } });
      expect(again.json).toEqual({ conversationId: first.json.conversationId, isNew: false });
      expect(sandbox.conversation(first.json.conversationId).messages.map((m) => m.text)).toEqual(['one']);
      const otherCustomer = await api.create(customer('cust-4'));
      expect(otherCustomer.json.conversationId).not.toBe(first.json.conversationId);
    });

    test('a repeated conversationrequestid while active returns the same conversation', async () => {
      const first = await api.create({ conversationrequestid: 'sms-1' });
      const again = await api.create({ conversationrequestid: 'sms-1' });
      expect(again.json).toEqual({ conversationId: first.json.conversationId, isNew: false });
    });

    test('once closed, the same customerid gets a new conversation', async () => {
      const first = await newConversation('cust-5');
      sandbox.forceClose(first);
      const next = await api.create(customer('cust-5'));
      expect(next.json.isNew).toBe(true);
      expect(next.json.conversationId).not.toBe(first);
    });

    test('startmessage and skipdeflectionbot are taken under customercontext too', async () => {
      const answer = await api.create({
        customercontext: { customerid: 'cust-6', startmessage: { message: 'nested' }, skipdeflectionbot: false },
      });
      expect(answer.json.messageId).toMatch(/^\d{13}$/);
      expect(sandbox.conversation(answer.json.conversationId)).toMatchObject({ skipDeflectionBot: false });
    });

    test('the plural path is an alias, unless switched off', async () => {
      expect((await api.call('conversations/create', { body: customer('p') })).status).toBe(200);
      const { api: strict } = await another({ pluralCreateAlias: false });
      expectProblem(await strict.call('conversations/create', { body: customer('p') }), 404);
    });

    test('limits are inclusive: 200-character fields, 100 context entries, a 27 KB start message', async () => {
      const context = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, { value: `v${i}` }]));
      const answer = await api.create({
        customercontext: { customerid: 'x'.repeat(200), email: 'e'.repeat(200) },
        conversationcontext: context,
        startmessage: { message: 'm'.repeat(27 * 1024 - 20) },
      });
      expect(answer.status).toBe(200);
    });

    test.each([
      ['a 201-character customerid', 30012, { customercontext: { customerid: 'x'.repeat(201) } }],
      ['a 201-character phonenumber', 30012, { customercontext: { phonenumber: '1'.repeat(201) } }],
      ['a numeric customerid', 30012, { customercontext: { customerid: 42 } }],
      [
        '101 context entries',
        30010,
        { conversationcontext: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, { value: i }])) },
      ],
      ['a context entry without value', 30012, { conversationcontext: { a: { isDisplayable: true } } }],
      ['a start message over 27 KB', 30012, { startmessage: { message: 'm'.repeat(27 * 1024) } }],
      ['an empty start message', 30012, { startmessage: { message: '' } }],
      ['skipdeflectionbot as a string', 30012, { skipdeflectionbot: 'yes' }],
      ['an array body', 30012, []],
    ])('%s → 400 %s', async (_name, code, body) => {
      expectProblem(await api.create(body), 400, code);
      expect(sandbox.conversations()).toHaveLength(0);
    });

    test('a body that is not JSON, an empty body, or not application/json → 400 30012', async () => {
      expectProblem(await api.call('conversation/create', { rawBody: '{"customercontext":' }), 400, 30012);
      expectProblem(await api.call('conversation/create', { method: 'POST' }), 400, 30012);
      expectProblem(await api.create(customer('c'), { contentType: 'text/plain' }), 400, 30012);
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('POST /conversation/{id}', () => {
    test('messages are taken in order, each with a new, increasing 13-digit messageId', async () => {
      const id = await newConversation();
      const ids: string[] = [];
      for (const text of ['one', 'two', 'three']) {
        const answer = await api.message(id, text);
        expect(answer.status).toBe(200);
        expect(answer.json).toEqual({ messageId: expect.stringMatching(/^\d{13}$/) });
        ids.push(answer.json.messageId);
      }
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(3);
      const view = sandbox.conversation(id);
      expect(view.messages.map((m) => m.text)).toEqual(['one', 'two', 'three']);
      expect(view.customerActivities.map((a) => [a.kind, a.messageId])).toEqual(ids.map((m) => ['message', m]));
    });

    test('6,000 characters pass; 6,001 → 30011', async () => {
      const id = await newConversation();
      expect((await api.message(id, 'a'.repeat(6000))).status).toBe(200);
      expectProblem(await api.message(id, 'a'.repeat(6001)), 400, 30011);
    });

    test('no text and no attachments → 30016; attachments alone pass', async () => {
      const id = await newConversation();
      expectProblem(await api.post(id, { type: 'message', text: '' }), 400, 30016);
      expectProblem(await api.post(id, { type: 'message' }), 400, 30016);
      const withFile = await api.post(id, {
        type: 'message',
        attachments: [{ contentType: 'image/png', contentUrl: 'https://example.test/a.png', name: 'a.png' }],
      });
      expect(withFile.status).toBe(200);
    });

    test('an automated message is marked so in the transcript', async () => {
      const id = await newConversation();
      await api.message(id, 'Reply STOP to opt out', {
        channelData: { 'messagingapi-oc': { type: 'AutomatedMessage' } },
      });
      expect(sandbox.conversation(id).messages[0]).toMatchObject({ automated: true });
    });

    test('a conversation id that is not a GUID → 30005; an unknown one → 404 30013', async () => {
      expectProblem(await api.post('not-a-guid', { type: 'message', text: 'x' }), 400, 30005);
      expectProblem(await api.post(OTHER_GUID, { type: 'message', text: 'x' }), 404, 30013);
    });

    test.each([
      ['channelId of another channel', 30002, { channelId: OTHER_GUID }],
      ['conversation.id of another conversation', 30003, { conversation: { id: OTHER_GUID } }],
      ['an unknown type', 30003, { type: 'invoke' }],
      ['no type', 30012, { type: undefined }],
      ['a from.name over 256 characters', 30012, { from: { name: 'n'.repeat(257) } }],
      ['a text that is a number', 30012, { text: 5 }],
      ['an attachment without contentUrl', 30012, { attachments: [{ contentType: 'image/png', name: 'a.png' }] }],
    ])('%s → 400 %s', async (_name, code, change) => {
      const id = await newConversation();
      const activity: Record<string, unknown> = { type: 'message', text: 'hello', ...change };
      for (const k of Object.keys(activity)) if (activity[k] === undefined) delete activity[k];
      expectProblem(await api.post(id, activity), 400, code);
      expect(sandbox.conversation(id).customerActivities).toHaveLength(0);
    });

    test('typing and endOfConversation answer an empty messageId; the end closes an unassigned conversation', async () => {
      const id = await newConversation();
      expect((await api.post(id, { type: 'typing', from: { name: 'Ada' } })).json).toEqual({
        messageId: '',
        message: null,
      });
      expect((await api.post(id, { type: 'endOfConversation', conversation: { id } })).json).toEqual({
        messageId: '',
        message: null,
      });
      expect(sandbox.conversation(id).state).toBe('Closed');
      expectProblem(await api.message(id, 'again?'), 404, 30013);
    });

    test('MessageRead marks agent messages read; custom events set context and answer a messageId', async () => {
      const id = await newConversation();
      sandbox.accept(id);
      const reply = sandbox.reply(id, 'hello');
      const agentMessageId = reply.conversation.messages.at(-1)!.messageId;
      const read = await api.post(id, { type: 'event', name: 'MessageRead', value: { messageId: agentMessageId } });
      expect(read.json).toEqual({ messageId: '', message: null });
      expect(sandbox.conversation(id).readUpTo).toBe(agentMessageId);

      const custom = await api.post(id, {
        type: 'event',
        name: 'OrderLookedUp',
        conversation: { id },
        channelData: {
          customEvent: true,
          customEventName: 'OrderLookedUp',
          customEventValue: JSON.stringify({ order: { isDisplayable: true, value: 'A-1' }, total: '12.50' }),
        },
      });
      expect(custom.json).toEqual({ messageId: expect.stringMatching(/^\d{13}$/) });
      const context = await api.call(`conversation/${id}/context`);
      expect(context.json.context).toEqual(
        expect.arrayContaining([
          { name: 'order', value: 'A-1' },
          { name: 'total', value: '12.50' },
        ]),
      );
    });

    test.each([
      ['an event without customEvent', 30003, { type: 'event', name: 'Whatever' }],
      [
        'MessageRead as a custom event',
        30003,
        { type: 'event', name: 'MessageRead', channelData: { customEvent: true } },
      ],
      ['MessageRead without a messageId', 30012, { type: 'event', name: 'MessageRead', value: {} }],
      [
        'a custom event value that is not JSON',
        30012,
        { type: 'event', name: 'X', channelData: { customEvent: true, customEventValue: '{oops' } },
      ],
    ])('%s → 400 %s', async (_name, code, activity) => {
      const id = await newConversation();
      expectProblem(await api.post(id, activity), 400, code);
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('conversation states', () => {
    test('Open → Active (accept) → Waiting (X) → Open (the customer writes) → Active → Wrap-up → Closed', async () => {
      const id = await newConversation();
      expect((await api.message(id, 'in Open')).status).toBe(200);
      expect(sandbox.accept(id, { id: 'agent-7', name: 'Grace' }).conversation).toMatchObject({
        state: 'Active',
        agent: { id: 'agent-7', name: 'Grace' },
      });
      expect((await api.message(id, 'in Active')).status).toBe(200);
      expect(sandbox.setWaiting(id).conversation.state).toBe('Waiting');
      expect((await api.message(id, 'revives it')).status).toBe(200);
      expect(sandbox.conversation(id).state).toBe('Open');
      sandbox.accept(id);
      expect(sandbox.end(id).conversation.state).toBe('Closed');
      expect(sandbox.conversation(id).history.map((h) => h.state)).toEqual([
        'Open',
        'Active',
        'Waiting',
        'Open',
        'Active',
        'Wrap-up',
        'Closed',
      ]);
      expectProblem(await api.message(id, 'after the end'), 404, 30013);
    });

    test('the customer ending an assigned conversation goes through Wrap-up to Closed, with ConversationClosed', async () => {
      const id = await newConversation();
      sandbox.accept(id);
      await api.post(id, { type: 'endOfConversation', conversation: { id } });
      expect(sandbox.conversation(id).history.map((h) => h.state)).toEqual(['Open', 'Active', 'Wrap-up', 'Closed']);
      await sandbox.webhookIdle();
      expect(receiver.received.map((r) => r.json.name)).toEqual(['AgentAccepted', 'ConversationClosed']);
    });

    test('in Wrap-up the customer gets 404 30013, and the conversation leaves the list', async () => {
      const { sandbox: manual, api: manualApi } = await another({ wrapUpCloseMs: null });
      const created = await manualApi.create(customer('w'));
      const id = created.json.conversationId;
      manual.accept(id);
      expect(manual.end(id).conversation.state).toBe('Wrap-up');
      expectProblem(await manualApi.message(id, 'late'), 404, 30013);
      expect((await manualApi.call('conversations')).json.conversations).toEqual([]);
      expect(manual.close(id).conversation.state).toBe('Closed');
    });

    test('Waiting can be made unpostable by configuration', async () => {
      const { sandbox: strict, api: strictApi } = await another({ postableStates: ['Open', 'Active'] });
      const id = (await strictApi.create(customer('s'))).json.conversationId;
      strict.accept(id);
      strict.setWaiting(id);
      expectProblem(await strictApi.message(id, 'x'), 404, 30013);
    });

    test('agent actions outside their states are refused with invalid_state', async () => {
      const id = await newConversation();
      expect(() => sandbox.reply(id, 'not accepted yet')).toThrow(/Open; reply needs Active/);
      expect(() => sandbox.end(id)).toThrow(/invalid|needs/);
      sandbox.forceClose(id);
      expect(() => sandbox.accept(id)).toThrow(/Closed/);
    });

    test('transfer to a queue goes back to Open; to an agent changes the agent', async () => {
      const id = await newConversation();
      sandbox.accept(id);
      expect(sandbox.transfer(id, { to: 'agent', agent: { id: 'b', name: 'Bea' } }).conversation).toMatchObject({
        state: 'Active',
        agent: { id: 'b', name: 'Bea' },
      });
      const failed = sandbox.transfer(id, { to: 'queue', outcome: 'failed' });
      expect(failed.conversation.state).toBe('Active');
      const queued = sandbox.transfer(id, { to: 'queue' });
      expect(queued.conversation.state).toBe('Open');
      expect(queued.conversation.agent).toBeUndefined();
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('GET routes', () => {
    test('GET /conversations lists only active ones, in the example casing, with paging', async () => {
      expect((await api.call('conversations')).json).toEqual({ conversations: [], continuationtoken: null });
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await newConversation(`list-${i}`));
      sandbox.forceClose(ids[1]);
      const first = await api.call('conversations?PageSize=2');
      expect(first.json.conversations).toEqual([
        { conversationid: ids[0], timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/) },
        { conversationid: ids[2], timestamp: expect.any(String) },
      ]);
      expect(first.json.continuationtoken).toMatch(GUID);
      const second = await api.call(`conversations?pagesize=2&continuationtoken=${first.json.continuationtoken}`);
      expect(second.json.conversations.map((c: any) => c.conversationid)).toEqual([ids[3], ids[4]]);
      expect(second.json.continuationtoken).toBeNull();
    });

    test('StartTimeStamp keeps the ones created after it', async () => {
      const before = await newConversation('t-1');
      const cut = sandbox.conversation(before).createdAt;
      const after = await newConversation('t-2');
      const answer = await api.call(`conversations?StartTimeStamp=${encodeURIComponent(cut)}`);
      expect(answer.json.conversations.map((c: any) => c.conversationid)).toEqual([after]);
    });

    test.each([
      ['PageSize=0', 30007],
      ['PageSize=251', 30007],
      ['PageSize=ten', 30007],
      ['StartTimeStamp=yesterday', 30006],
      ['ContinuationToken=abc', 30009],
      [`ContinuationToken=${OTHER_GUID}`, 30009],
    ])('GET /conversations?%s → 400 %d', async (query, code) => {
      expectProblem(await api.call(`conversations?${query}`), 400, code);
    });

    test('PageSize 250 and an empty PageSize are taken', async () => {
      expect((await api.call('conversations?PageSize=250')).status).toBe(200);
      expect((await api.call('conversations?PageSize=')).status).toBe(200);
    });

    test('GET /messages serves the transcript with agent messages, paged by a DatetimeOffset token', async () => {
      const id = (await api.create({ ...customer('m'), startmessage: { message: 'm0' } })).json.conversationId;
      await api.message(id, 'm1');
      sandbox.accept(id);
      sandbox.reply(id, '**m2**');
      await api.message(id, 'm3');
      const first = await api.call(`conversation/${id}/messages?PageSize=3`);
      expect(first.json.messages).toHaveLength(3);
      expect(first.json.messages[0]).toEqual({
        type: 'message',
        attachments: [],
        text: 'm0',
        messageId: expect.stringMatching(/^\d{13}$/),
        timestamp: expect.stringMatching(/\+00:00$/),
        from: {},
        channelData: {},
      });
      expect(first.json.messages[2]).toMatchObject({ text: '**m2**', from: { name: 'Sandbox Agent' } });
      expect(first.json.continuationToken).toMatch(/\+00:00$/);
      const rest = await api.call(
        `conversation/${id}/messages?ContinuationToken=${encodeURIComponent(first.json.continuationToken)}`,
      );
      expect(rest.json).toEqual({ messages: [expect.objectContaining({ text: 'm3' })], continuationToken: null });
    });

    test('GET /messages limits and errors: 101 → 30008, a bad token → 30009, bad id → 30005, closed → 404', async () => {
      const id = await newConversation();
      expectProblem(await api.call(`conversation/${id}/messages?PageSize=101`), 400, 30008);
      expect((await api.call(`conversation/${id}/messages?PageSize=100`)).json).toEqual({
        messages: [],
        continuationToken: null,
      });
      expectProblem(await api.call(`conversation/${id}/messages?ContinuationToken=soon`), 400, 30009);
      expectProblem(await api.call(`conversation/${id}/messages?StartTimeStamp=2025-13-45`), 400, 30006);
      expectProblem(await api.call('conversation/nope/messages'), 400, 30005);
      sandbox.forceClose(id);
      expectProblem(await api.call(`conversation/${id}/messages`), 404, 30013);
      expectProblem(await api.call(`conversation/${id}/context`), 404, 30013);
    });

    test('GET /context: the create context, after the configured delay (eventual consistency)', async () => {
      const { sandbox: slow, api: slowApi } = await another({ contextDelayMs: 200 });
      const id = (await slowApi.create({ conversationcontext: { lang: { isDisplayable: true, value: 'en-US' } } })).json
        .conversationId;
      expect((await slowApi.call(`conversation/${id}/context`)).json).toEqual({ context: [] });
      await new Promise((r) => setTimeout(r, 250));
      expect((await slowApi.call(`conversation/${id}/context`)).json).toEqual({
        context: [{ name: 'lang', value: 'en-US' }],
      });
      expect(slow.conversation(id).conversationContext).toEqual({ lang: 'en-US' });
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('consumer faults', () => {
    test('the next two calls answer 429 with Retry-After, with no effect; then calls go through', async () => {
      sandbox.injectFaults([{ status: 429, retryAfterSeconds: 7, count: 2 }]);
      for (let i = 0; i < 2; i++) {
        const answer = await api.create(customer('f'));
        expectProblem(answer, 429);
        expect(answer.headers.get('retry-after')).toBe('7');
      }
      expect(sandbox.conversations()).toHaveLength(0);
      expect((await api.create(customer('f'))).status).toBe(200);
    });

    test('500 and 503 are problems too; a 429 without a given Retry-After still says 1', async () => {
      sandbox.injectFaults([{ status: 500 }, { status: 503, retryAfterSeconds: 2 }, { status: 429 }]);
      expectProblem(await api.call('conversations'), 500);
      const unavailable = await api.call('conversations');
      expectProblem(unavailable, 503);
      expect(unavailable.headers.get('retry-after')).toBe('2');
      expect((await api.call('conversations')).headers.get('retry-after')).toBe('1');
    });

    test('a fault for one route lets the others by', async () => {
      const id = await newConversation();
      sandbox.injectFaults([{ status: 503, operation: 'activity' }]);
      expect((await api.call('conversations')).status).toBe(200);
      expectProblem(await api.message(id, 'x'), 503);
      expect((await api.message(id, 'x')).status).toBe(200);
    });

    test('latency alone answers normally afterwards; dropConnection and hang give no answer', async () => {
      sandbox.injectFaults([{ latencyMs: 30 }, { dropConnection: true }, { hang: true }]);
      expect((await api.call('conversations')).status).toBe(200);
      await expect(api.call('conversations')).rejects.toThrow();
      const hung = fetch(`${sandbox.url}/api/v1.0/consumer/conversations`, { signal: AbortSignal.timeout(100) });
      await expect(hung).rejects.toThrow();
      expect(sandbox.faults().queued).toEqual([]);
    });

    test('a fault rate fails about that share of calls, with the given statuses (seeded, so the same every run)', async () => {
      const { sandbox: seeded, api: seededApi } = await another({ seed: 42 });
      seeded.setFaultRate({ rate: 0.33, statuses: [429, 503], retryAfterSeconds: 0 });
      const statuses: number[] = [];
      for (let i = 0; i < 150; i++) statuses.push((await seededApi.call('conversations')).status);
      const failed = statuses.filter((s) => s !== 200);
      expect(new Set(failed)).toEqual(new Set([429, 503]));
      expect(failed.length).toBeGreaterThan(30);
      expect(failed.length).toBeLessThan(70);
      seeded.setFaultRate(null);
      expect((await seededApi.call('conversations')).status).toBe(200);
    });

    test('an invalid fault is refused at once', () => {
      expect(() => sandbox.injectFaults([{ status: 418 as 500 }])).toThrow();
      expect(() => sandbox.injectFaults([{ status: 500, hang: true }])).toThrow();
      expect(() => sandbox.setFaultRate({ rate: 2, statuses: [503] })).toThrow();
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('webhook dispatcher', () => {
    test('accept sends AgentAccepted as the sample: type message, a name, EventName text, no from; JWT verifies', async () => {
      const id = await newConversation();
      sandbox.accept(id);
      const [got] = await receiver.until((r) => r.length === 1);
      expect(got.path).toBe(`/api/dynamics/v3/conversations/${id}/activities`);
      expect(got.json).toEqual({
        type: 'message',
        channelId: SANDBOX_IDENTITY.channelId,
        conversation: { id },
        text: 'EventName: **_AgentAccepted_**',
        name: 'AgentAccepted',
      });
      const claims = await verifyWebhookToken(sandbox, got.authorization);
      expect(claims).toMatchObject({
        aud: `api://${SANDBOX_IDENTITY.appId}`,
        iss: MI_ISSUER,
        tid: SANDBOX_IDENTITY.tenantId,
        azp: SANDBOX_IDENTITY.appId,
        appid: SANDBOX_IDENTITY.appId,
      });
      expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
    });

    test('reply, attachment and typing are shaped as the samples', async () => {
      const id = await newConversation();
      sandbox.accept(id, { id: 'agent-1', name: 'Grace' });
      sandbox.reply(id, 'Your order **A-1** ships _today_');
      sandbox.sendAttachment(id, { contentUrl: 'https://files.example.test/issue.jpg', name: 'issue (1).jpg' });
      sandbox.typing(id);
      const got = await receiver.until((r) => r.length === 4);
      expect(got[1].json).toEqual({
        type: 'message',
        channelId: SANDBOX_IDENTITY.channelId,
        from: { id: 'agent-1', name: 'Grace' },
        conversation: { id },
        textFormat: 'markdown',
        text: 'Your order **A-1** ships _today_',
      });
      expect(got[2].json).toEqual({
        type: 'message',
        channelId: SANDBOX_IDENTITY.channelId,
        from: { id: 'agent-1', name: 'Grace' },
        conversation: { id },
        textFormat: 'markdown',
        attachments: [
          {
            contentType: 'image/jpeg',
            contentUrl: 'https://files.example.test/issue.jpg',
            content: null,
            name: 'issue (1).jpg',
            thumbnailUrl: null,
          },
        ],
      });
      expect(got[3].json).toEqual({
        type: 'typing',
        channelId: 'MessagingApi',
        conversation: { id },
        recipient: { id: 'cust-1' },
      });
    });

    test('X, End, force close, timeout and transfer send their events with the agent id', async () => {
      const a = await newConversation('a');
      sandbox.accept(a, { id: 'ag', name: 'Grace' });
      sandbox.setWaiting(a);
      sandbox.accept(a);
      sandbox.end(a);
      const b = await newConversation('b');
      sandbox.accept(b, { id: 'ag', name: 'Grace' });
      sandbox.transfer(b, { to: 'agent', agent: { id: 'ag2', name: 'Bea' } });
      sandbox.forceClose(b);
      const c = await newConversation('c');
      sandbox.timeout(c);
      await sandbox.webhookIdle();
      const names = (id: string) =>
        receiver.received.filter((r) => r.json.conversation.id === id).map((r) => r.json.name);
      expect(names(a)).toEqual([
        'AgentAccepted',
        'AgentClosed',
        'AgentAccepted',
        'AgentEndSession',
        'ConversationClosed',
      ]);
      expect(names(b)).toEqual([
        'AgentAccepted',
        'TransferToAgentInitiated',
        'TransferAgentAcceptSession',
        'SupervisorForceClosedConversation',
      ]);
      expect(names(c)).toEqual(['ConversationClosed']);
      const closed = receiver.received.find((r) => r.json.name === 'AgentClosed')!;
      expect(closed.json).toEqual({
        type: 'message',
        channelId: SANDBOX_IDENTITY.channelId,
        from: { id: 'ag' },
        conversation: { id: a },
        text: 'EventName: **_AgentClosed_**',
        name: 'AgentClosed',
      });
    });

    test('events can be sent as type event, with the agent name, and with ids', async () => {
      sandbox.configureWebhook({ eventType: 'event', eventFrom: 'agent', activityIds: true });
      const id = await newConversation();
      sandbox.accept(id, { id: 'ag', name: 'Grace' });
      const [got] = await receiver.until((r) => r.length === 1);
      expect(got.json).toMatchObject({ type: 'event', name: 'AgentAccepted', from: { id: 'ag', name: 'Grace' } });
      expect(got.json.id).toMatch(GUID);
    });

    test('a failing webhook is tried 3 times in all and delivered on the third; every attempt recorded', async () => {
      receiver.answers = [500, 503];
      const id = await newConversation();
      const { deliveryIds } = sandbox.accept(id);
      await sandbox.webhookIdle();
      expect(receiver.received).toHaveLength(3);
      const [delivery] = sandbox.webhookDeliveries();
      expect(delivery).toMatchObject({ deliveryId: deliveryIds[0], state: 'delivered', conversationId: id });
      expect(delivery.attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
        [1, 500, 'http_error'],
        [2, 503, 'http_error'],
        [3, 200, 'ok'],
      ]);
      expect(sandbox.webhookAttempts()).toHaveLength(3);
    });

    test('after 3 failed attempts the activity is dropped, and the next one still goes', async () => {
      receiver.answers = [500, 500, 500];
      const id = await newConversation();
      sandbox.accept(id);
      sandbox.reply(id, 'after the drop');
      await sandbox.webhookIdle();
      expect(sandbox.webhookDeliveries().map((d) => [d.activity.name ?? d.activity.text, d.state])).toEqual([
        ['AgentAccepted', 'dropped'],
        ['after the drop', 'delivered'],
      ]);
      expect(logLines.some((l) => l.includes('given up'))).toBe(true);
    });

    test('a webhook that does not answer in time is retried (timeout per attempt)', async () => {
      receiver.answers = ['hang'];
      sandbox.configureWebhook({ timeoutMs: 200 });
      const id = await newConversation();
      sandbox.accept(id);
      await sandbox.webhookIdle();
      expect(sandbox.webhookAttempts().map((a) => a.outcome)).toEqual(['timeout', 'ok']);
    });

    test('only exactly 200 counts, unless any 2xx is allowed', async () => {
      receiver.answers = [204];
      const id = await newConversation();
      sandbox.accept(id);
      await sandbox.webhookIdle();
      expect(sandbox.webhookAttempts().map((a) => a.status)).toEqual([204, 200]);
    });

    test('a network error is retried; without a webhook URL the activity is dropped at once', async () => {
      const { sandbox: noUrl, api: noUrlApi } = await another({
        channels: [{ channelId: SANDBOX_IDENTITY.channelId, appId: SANDBOX_IDENTITY.appId }],
      });
      const id = (await noUrlApi.create(customer('n'))).json.conversationId;
      noUrl.accept(id);
      await noUrl.webhookIdle();
      expect(noUrl.webhookAttempts().map((a) => a.outcome)).toEqual(['no_url']);
      noUrl.setWebhookUrl('http://127.0.0.1:1/nothing-listens');
      noUrl.reply(id, 'x');
      await noUrl.webhookIdle();
      expect(
        noUrl
          .webhookAttempts()
          .slice(1)
          .map((a) => a.outcome),
      ).toEqual(['network_error', 'network_error', 'network_error']);
    });

    test('a webhook URL with a query is refused; a trailing slash is dropped', async () => {
      expect(() => sandbox.setWebhookUrl(`${receiver.url}?code=abc`)).toThrow(/query/);
      sandbox.setWebhookUrl(`${receiver.url}/`);
      const id = await newConversation();
      sandbox.accept(id);
      const [got] = await receiver.until((r) => r.length === 1);
      expect(got.path).toBe(`/api/dynamics/v3/conversations/${id}/activities`);
    });

    test('the duplicate switch delivers the next activity twice, the copy marked', async () => {
      sandbox.setWebhookFaults({ duplicate: { next: 1 } });
      const id = await newConversation();
      sandbox.accept(id);
      sandbox.reply(id, 'once');
      await sandbox.webhookIdle();
      expect(receiver.received.map((r) => r.json.name ?? r.json.text)).toEqual([
        'AgentAccepted',
        'AgentAccepted',
        'once',
      ]);
      const deliveries = sandbox.webhookDeliveries();
      const copy = deliveries.find((d) => d.duplicateOf !== undefined)!;
      const original = deliveries.find((d) => d.deliveryId === copy.duplicateOf)!;
      expect(original.activity.name).toBe('AgentAccepted');
      expect(deliveries.filter((d) => d.duplicateOf !== undefined)).toHaveLength(1);
      expect(copy.activity).toEqual(original.activity);
    });

    test('the out-of-order switch holds one back and lets the next overtake it', async () => {
      const id = await newConversation();
      sandbox.accept(id);
      await sandbox.webhookIdle();
      sandbox.setWebhookFaults({ outOfOrder: { next: 1 } });
      sandbox.reply(id, 'first');
      sandbox.reply(id, 'second');
      await sandbox.webhookIdle();
      expect(receiver.received.slice(1).map((r) => r.json.text)).toEqual(['second', 'first']);
      expect(sandbox.webhookDeliveries().find((d) => d.activity.text === 'first')!.heldBack).toBe(true);
    });

    test('a held activity with nothing after it goes anyway after holdMs', async () => {
      sandbox.setWebhookFaults({ outOfOrder: { next: 1 } });
      const id = await newConversation();
      sandbox.accept(id);
      expect(sandbox.webhookDeliveries()[0].state).toBe('held');
      await sandbox.webhookIdle();
      expect(receiver.received.map((r) => r.json.name)).toEqual(['AgentAccepted']);
    });

    test('the missing-auth switch sends an attempt without Authorization; the retry carries it', async () => {
      receiver.answers = [401];
      sandbox.setWebhookFaults({ missingAuth: { next: 1 } });
      const id = await newConversation();
      sandbox.accept(id);
      await sandbox.webhookIdle();
      expect(receiver.received.map((r) => r.authorization !== undefined)).toEqual([false, true]);
      expect(sandbox.webhookAttempts().map((a) => [a.authorization, a.status])).toEqual([
        [false, 401],
        [true, 200],
      ]);
    });

    test('deliveries of one conversation keep their order through retries', async () => {
      receiver.answers = [500];
      const id = await newConversation();
      sandbox.accept(id);
      for (const text of ['r1', 'r2', 'r3']) sandbox.reply(id, text);
      await sandbox.webhookIdle();
      const delivered = receiver.received.map((r) => r.json.name ?? r.json.text);
      expect(delivered).toEqual(['AgentAccepted', 'AgentAccepted', 'r1', 'r2', 'r3']);
    });

    test('probability switches: rate 1 duplicates every activity', async () => {
      sandbox.setWebhookFaults({ duplicate: { rate: 1 } });
      const id = await newConversation();
      sandbox.accept(id);
      sandbox.reply(id, 'twice');
      await sandbox.webhookIdle();
      expect(receiver.received.map((r) => r.json.name ?? r.json.text)).toEqual([
        'AgentAccepted',
        'AgentAccepted',
        'twice',
        'twice',
      ]);
    });

    test('minted webhook tokens fail the checks a webhook makes: expired, other audience, other tenant', async () => {
      const good = await sandbox.mintWebhookToken();
      await expect(verifyWebhookToken(sandbox, `Bearer ${good}`)).resolves.toMatchObject({
        azp: SANDBOX_IDENTITY.appId,
      });
      for (const overrides of [{ expiresInSeconds: -600 }, { audience: 'api://other' }, { tenantId: OTHER_GUID }]) {
        const bad = await sandbox.mintWebhookToken(overrides);
        await expect(verifyWebhookToken(sandbox, `Bearer ${bad}`)).rejects.toThrow();
      }
      expect(decodeJwt(await sandbox.mintWebhookToken({ tenantId: OTHER_GUID })).tid).toBe(OTHER_GUID);
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('control API over HTTP', () => {
    async function control(method: 'GET' | 'POST', path: string, body?: unknown) {
      const res = await fetch(`${sandbox.url}/_sandbox/${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as any };
    }

    test('an agent plays a whole conversation by phone number: list, accept, reply, end', async () => {
      const id = await newConversation('cli', '+15555550199');
      await api.message(id, 'hello?');
      const list = await control('GET', 'conversations?state=Open');
      expect(list.json).toEqual([
        expect.objectContaining({
          conversationId: id,
          state: 'Open',
          customerContext: expect.objectContaining({ phonenumber: '+15555550199' }),
          customerActivities: [
            expect.objectContaining({ kind: 'message', activity: expect.objectContaining({ text: 'hello?' }) }),
          ],
        }),
      ]);
      const accepted = await control('POST', 'conversations/+1%20555%20555%200199/accept', { agentName: 'Grace' });
      expect(accepted.status).toBe(200);
      expect(accepted.json.conversation).toMatchObject({ state: 'Active', agent: { name: 'Grace' } });
      expect(accepted.json.deliveryIds).toHaveLength(1);
      expect((await control('POST', `conversations/${id.slice(0, 8)}/reply`, { text: '**Hi**' })).status).toBe(200);
      expect(
        (await control('POST', `conversations/${id}/attachment`, { contentUrl: 'https://x.test/a.pdf', name: 'a.pdf' }))
          .status,
      ).toBe(200);
      expect((await control('POST', `conversations/${id}/end`)).json.conversation.state).toBe('Closed');
      await sandbox.webhookIdle();
      expect((await control('GET', 'webhook/attempts')).json.map((a: any) => a.activityName ?? a.activityType)).toEqual(
        ['AgentAccepted', 'message', 'message', 'AgentEndSession', 'ConversationClosed'],
      );
      expect((await control('GET', 'webhook/deliveries')).json).toHaveLength(5);
    });

    test('errors: unknown conversation 404, wrong state 409, bad body 400, unknown route 404', async () => {
      expect((await control('POST', `conversations/${OTHER_GUID}/accept`)).status).toBe(404);
      const id = await newConversation();
      const wrong = await control('POST', `conversations/${id}/reply`, { text: 'x' });
      expect(wrong).toMatchObject({ status: 409, json: { error: 'invalid_state' } });
      expect((await control('POST', `conversations/${id}/reply`, { txt: 'x' })).status).toBe(400);
      expect((await control('GET', 'conversations?state=Gone')).status).toBe(400);
      expect((await control('POST', 'nothing')).status).toBe(404);
      expect((await control('POST', 'webhook', { url: 'http://x.test/?q=1' })).status).toBe(400);
    });

    test('faults, webhook switches, channel toggle and tokens are set over HTTP; reset forgets', async () => {
      expect((await control('POST', 'faults', { faults: [{ status: 503 }] })).json.queued).toHaveLength(1);
      expectProblem(await api.call('conversations'), 503);
      expect((await control('POST', 'faults/rate', { rate: 1, statuses: [500] })).status).toBe(200);
      expectProblem(await api.call('conversations'), 500);
      expect((await control('POST', 'faults/clear')).json).toEqual({ queued: [], rate: null });
      expect((await control('POST', 'webhook/faults', { duplicate: { next: 2 } })).json).toEqual({
        duplicate: { next: 2, rate: 0 },
      });
      expect((await control('POST', 'channel', { linkedToWorkstream: false })).status).toBe(200);
      expectProblem(await api.call('conversations'), 400, 30014);
      await control('POST', 'channel', { linkedToWorkstream: true });
      const expired = (await control('POST', 'tokens/access', { expiresInSeconds: -5 })).json.token;
      expectProblem(await api.call('conversations', { token: expired }), 401);
      const webhookToken = (await control('POST', 'tokens/webhook', {})).json.token;
      await expect(verifyWebhookToken(sandbox, `Bearer ${webhookToken}`)).resolves.toBeDefined();

      await newConversation();
      expect((await control('POST', 'reset')).status).toBe(200);
      expect((await control('GET', 'conversations')).json).toEqual([]);
      expect((await control('GET', 'webhook/faults')).json).toEqual({});
    });

    test('settings tell a client where everything is, without the secret', async () => {
      const settings = (await control('GET', 'settings')).json;
      expect(settings).toEqual({
        url: sandbox.url,
        apiBaseUrl: sandbox.url,
        authorityHost: sandbox.url,
        tokenUrl: `${sandbox.url}/${SANDBOX_IDENTITY.tenantId}/oauth2/v2.0/token`,
        jwksUrl: `${sandbox.url}/${SANDBOX_IDENTITY.tenantId}/discovery/v2.0/keys`,
        tenantId: SANDBOX_IDENTITY.tenantId,
        organizationId: SANDBOX_IDENTITY.organizationId,
        channelId: SANDBOX_IDENTITY.channelId,
        appId: SANDBOX_IDENTITY.appId,
        scope: sandbox.settings().scope,
        webhookIssuer: MI_ISSUER,
        webhookAudience: `api://${SANDBOX_IDENTITY.appId}`,
      });
      expect(JSON.stringify(settings)).not.toContain(SANDBOX_IDENTITY.clientSecret);
      expect(sandbox.clientSecret()).toBe(SANDBOX_IDENTITY.clientSecret);
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  test('no log line carries a token, the client secret or a full phone number', async () => {
    const token = await accessToken(sandbox);
    const id = (await api.create({ ...customer('log', '+15555550142'), startmessage: { message: 'hi' } })).json
      .conversationId;
    await api.message(id, 'hello');
    await api.create(customer('x'), { headers: { Authorization: 'Bearer garbage.token.value' } });
    await requestToken(sandbox, { ...secretFields(sandbox), client_secret: 'wrong-secret-value' });
    sandbox.accept(id);
    sandbox.reply(id, 'answer');
    await sandbox.webhookIdle();
    const webhookToken = receiver.received[0].authorization!.slice('Bearer '.length);
    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(5);
    for (const secret of [token, webhookToken, SANDBOX_IDENTITY.clientSecret, 'wrong-secret-value', 'garbage.token']) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/5555550142/);
    expect(all).toContain('0142');
  });

  test('stop() ends pending retries and hung requests, and is idempotent', async () => {
    receiver.answers = [500, 500, 500];
    sandbox.configureWebhook({ retryDelaysMs: [60_000, 60_000] });
    const id = await newConversation('stop');
    sandbox.injectFaults([{ hang: true }]);
    const hung = fetch(`${sandbox.url}/api/v1.0/consumer/conversations`).catch(() => 'closed');
    await eventually(() => sandbox.faults().queued.length === 0);
    sandbox.accept(id);
    await eventually(() => sandbox.webhookAttempts().length === 1);
    const idle = sandbox.webhookIdle();
    await Promise.all([sandbox.stop(), sandbox.stop()]);
    await idle;
    expect(await hung).toBe('closed');
    expect(sandbox.webhookAttempts()).toHaveLength(1);
  });
});
