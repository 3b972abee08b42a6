jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { getConversation } from '../../functions/getConversation';
import { listConversations } from '../../functions/listConversations';
import { sendSms } from '../../functions/sendSms';
import { telesignCallback } from '../../functions/telesignCallback';
import { validateTelesign } from '../../functions/validateTelesign';
import { registered } from '../../local/functionsCore';
import { TelesignSandbox } from '../../local/telesignSandbox';
import { buildApp, resetApp, useApp } from '../../shared/app';
import { conversationStates } from '../../shared/domain/conversationState';
import { messageStatuses } from '../../shared/domain/deliveryStatus';
import { httpStatusOf } from '../../shared/http/toHttp';
import { assertDocumented, call, loadOpenApi, OPENAPI_FILE } from '../support/openapi';
import { type RouteHarness, startRouteHarness, testConfig } from '../support/routeHarness';
import { account1, account2, callbackHeaders, inboundSmsBody } from '../support/telesignFixtures';

const doc = loadOpenApi();

describe('docs/openapi.yaml', () => {
  it('is a valid OpenAPI 3.0 document', () => {
    // Swagger Parser is an ES module, which Jest's CommonJS loader cannot load; plain Node can.
    const script = `
      const SwaggerParser = require('@apidevtools/swagger-parser');
      const { parse } = require('yaml');
      const api = parse(require('fs').readFileSync(process.argv[1], 'utf8'));
      SwaggerParser.validate(api).then((v) => console.log(JSON.stringify({ ok: true, openapi: v.openapi })), (e) => console.log(JSON.stringify({ ok: false, message: e.message })));
    `;
    const out = execFileSync(process.execPath, ['-e', script, OPENAPI_FILE], {
      cwd: path.join(__dirname, '../..'),
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim())).toEqual({ ok: true, openapi: expect.stringMatching(/^3\.0\./) });
  });

  it('describes exactly the HTTP routes the function files register', async () => {
    const dir = path.join(__dirname, '../../functions');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) await import(path.join(dir, file));
    const registeredRoutes = registered
      .flatMap((fn) => Object.values(fn.bindings).filter((b) => b.type === 'httpTrigger'))
      .flatMap((b) => (b.methods as string[]).map((m) => `${m.toLowerCase()} /${b.route}`));
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops)
        .filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k))
        .map((m) => `${m} ${p}`),
    );
    expect(registeredRoutes.length).toBeGreaterThanOrEqual(10);
    expect([...new Set(registeredRoutes)].sort()).toEqual([...documented].sort());
  });

  it('documents anonymous routes as such and every other one behind the function key', () => {
    const anonymous = registered
      .flatMap((fn) =>
        Object.values(fn.bindings).filter((b) => b.type === 'httpTrigger' && b.authLevel === 'anonymous'),
      )
      .map((b) => `/${b.route}`)
      .sort();
    const open = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>)
      .filter(([, ops]) => Object.values(ops).some((op) => Array.isArray(op.security) && op.security.length === 0))
      .map(([p]) => p)
      .sort();
    expect(open).toEqual(anonymous);
    expect(doc.components.securitySchemes.functionKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'x-functions-key',
    });
  });

  it('names the same error codes, conversation states and message statuses as the code', () => {
    expect([...doc.components.schemas.ErrorCode.enum].sort()).toEqual(Object.keys(httpStatusOf).sort());
    expect(doc.components.schemas.ConversationState.enum).toEqual([...conversationStates]);
    expect(doc.components.schemas.MessageStatus.enum).toEqual([...messageStatuses]);
  });

  it('is what responses are held to: a body that strays from it fails', async () => {
    await expect(
      assertDocumented('GET', '/health', {
        status: 200,
        body: { status: 'ok', checks: { storage: 'ok', queue: 'ok', secrets: 'ok' } },
      }),
    ).resolves.toBeUndefined();
    await expect(
      assertDocumented('GET', '/health', {
        status: 200,
        body: { status: 'ok', checks: { storage: 'ok', queue: 'ok', secrets: 'ok' }, host: 'x' },
      }),
    ).rejects.toThrow(/does not match/);
    await expect(assertDocumented('GET', '/health', { status: 418, body: {} })).rejects.toThrow(/does not list/);
    await expect(
      assertDocumented('POST', '/messages', { status: 400, body: { error: { code: 'no_such_code', message: 'x' } } }),
    ).rejects.toThrow(/does not match/);
  });
});

describe('the other routes answer as documented', () => {
  let h: RouteHarness;
  let sandbox: TelesignSandbox;

  beforeAll(async () => {
    h = await startRouteHarness();
    sandbox = await TelesignSandbox.start({ accounts: [{ customerId: account1.customerId, apiKey: account1.apiKey }] });
    const config = testConfig({ TELESIGN_API_BASE_URL: sandbox.url });
    useApp(
      buildApp(config, {
        tables: h.tables,
        publisher: { publish: async () => undefined, close: async () => undefined },
        telesign: { retryDelayMs: 1 },
      }),
    );
  });
  afterAll(async () => {
    await resetApp();
    await sandbox.stop();
    await h.stop();
  });

  const send = (body: string | object, headers: Record<string, string> = {}) =>
    call(sendSms, { method: 'POST', route: '/messages', body, headers });

  it('POST /messages: 202 with the send result, the same again for the same Idempotency-Key', async () => {
    const first = await send(
      { to: '+1 555 555 0101', text: 'Your order has shipped' },
      { 'idempotency-key': 'order-42' },
    );
    expect(first).toMatchObject({ status: 202, body: { status: 'sent', segments: 1, encoding: 'GSM-7' } });
    expect(
      await send({ to: '+1 555 555 0101', text: 'Your order has shipped' }, { 'idempotency-key': 'order-42' }),
    ).toEqual(first);

    // The first message to a customer started a conversation, and the index lists it.
    const id = (first.body as { conversationId: string }).conversationId;
    const listed = await call(listConversations, { method: 'GET', route: '/conversations', query: { state: 'open' } });
    expect((listed.body as { items: Array<{ id: string }> }).items.map((c) => c.id)).toEqual([id]);
    expect(await call(getConversation, { method: 'GET', route: '/conversations/{id}', params: { id } })).toMatchObject({
      status: 200,
      body: {
        outboundCount: 1,
        customerNumber: { e164: '+15555550101', digits: '15555550101' },
        consent: { state: 'none' },
      },
    });
  });

  it.each([
    ['invalid_json', 400, '{"to":'],
    ['text_invalid', 400, { to: '+15555550102', text: '' }],
    ['phone_invalid', 400, { to: '12', text: 'hi' }],
    ['invalid_request', 400, { text: 'hi' }],
    ['conversation_not_found', 404, { conversationId: 'AAAAAAAAAAAAAAAAAAAAAA.1', text: 'hi' }],
    ['too_many_segments', 422, { to: '+15555550103', text: 'x'.repeat(400), maxSegments: 1 }],
  ])('POST /messages: %s', async (code, status, body) => {
    expect(await send(body)).toMatchObject({ status, body: { error: { code } } });
  });

  it('POST /telesign/validate: 200 with the verdict, 404 for an account not configured, 400 for another body', async () => {
    const route = '/telesign/validate';
    expect(await call(validateTelesign, { method: 'POST', route })).toMatchObject({
      status: 200,
      body: { customerId: account1.customerId, valid: true },
    });
    expect(
      await call(validateTelesign, { method: 'POST', route, body: { customerId: account2.customerId } }),
    ).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await call(validateTelesign, { method: 'POST', route, body: { other: 1 } })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request' } },
    });
  });

  it('POST /telesign/callback: 200 {} when signed, 401 when not, 400 for JSON it cannot read, 413 when too large', async () => {
    const route = '/telesign/callback';
    const body = inboundSmsBody({ referenceId: 'C0FFEE0000000000000000000000000A' });
    expect(
      await call(telesignCallback, {
        method: 'POST',
        route,
        body,
        headers: callbackHeaders(account1.customerId, account1.apiKey, body),
      }),
    ).toMatchObject({ status: 200, body: {} });
    expect(
      await call(telesignCallback, {
        method: 'POST',
        route,
        body,
        headers: callbackHeaders(account1.customerId, account2.apiKey, body),
      }),
    ).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
    const notJson = 'status=200';
    expect(
      await call(telesignCallback, {
        method: 'POST',
        route,
        body: notJson,
        headers: callbackHeaders(account1.customerId, account1.apiKey, notJson),
      }),
    ).toMatchObject({ status: 400 });
    const large = JSON.stringify({ pad: 'x'.repeat(65 * 1024) });
    expect(
      await call(telesignCallback, {
        method: 'POST',
        route,
        body: large,
        headers: callbackHeaders(account1.customerId, account1.apiKey, large),
      }),
    ).toMatchObject({ status: 413 });
  });
});
