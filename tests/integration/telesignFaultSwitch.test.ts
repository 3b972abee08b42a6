/**
 * The Telesign sandbox's fault switch (issue 16): `GET`/`PUT /sandbox/fault-switch` and setFaultSwitch(). While it
 * is on, every request to the `/v1/` routes gets its fault, after any one-shot fault queued with
 * `POST /sandbox/faults`; off, the next send goes through. The switch is driven over HTTP and the sends are made
 * with the project's real Telesign client, as the local console does.
 */
import http from 'node:http';

import { type Fault, TelesignSandbox } from '../../local/telesignSandbox';
import { createTelesignClient, type TelesignClientOptions, TelesignError } from '../../shared/telesign/client';

const CUSTOMER_ID = 'AAAAAAAA-BBBB-CCCC-DDDD-0000000000F5';
const API_KEY = Buffer.from('fault switch test key').toString('base64');
const CUSTOMER = '15555550100';

let sandbox: TelesignSandbox;

beforeEach(async () => {
  sandbox = await TelesignSandbox.start({ accounts: [{ customerId: CUSTOMER_ID, apiKey: API_KEY }] });
});

afterEach(async () => {
  await sandbox.stop();
});

/** The real client, with instant waits between its retries. */
function client(overrides: Partial<TelesignClientOptions> = {}) {
  return createTelesignClient({
    baseUrl: sandbox.url,
    customerId: CUSTOMER_ID,
    getApiKey: async () => API_KEY,
    sleep: async () => undefined,
    ...overrides,
  });
}

const send = (c = client()) => c.sendSms({ phoneNumber: CUSTOMER, message: 'fault switch test' });

async function failure(promise: Promise<unknown>): Promise<TelesignError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof TelesignError) return e;
    throw e;
  }
  throw new Error('expected a TelesignError');
}

async function control(method: string, path: string, body?: string): Promise<{ status: number; json: any }> {
  const answer = await fetch(`${sandbox.url}${path}`, {
    method,
    ...(body !== undefined && { body, headers: { 'Content-Type': 'application/json' } }),
  });
  return { status: answer.status, json: await answer.json() };
}

const getSwitch = () => control('GET', '/sandbox/fault-switch');
const putSwitch = (fault: Fault | null) => control('PUT', '/sandbox/fault-switch', JSON.stringify({ fault }));

describe('GET /sandbox/fault-switch', () => {
  it('is off when the sandbox starts', async () => {
    expect(await getSwitch()).toEqual({ status: 200, json: { fault: null } });
    expect(sandbox.faultSwitch()).toBeNull();
  });

  it('reflects what PUT and setFaultSwitch() set', async () => {
    expect(await putSwitch({ status: 429, retryAfterSeconds: 1 })).toEqual({
      status: 200,
      json: { fault: { status: 429, retryAfterSeconds: 1 } },
    });
    expect(await getSwitch()).toEqual({ status: 200, json: { fault: { status: 429, retryAfterSeconds: 1 } } });
    expect(sandbox.faultSwitch()).toEqual({ status: 429, retryAfterSeconds: 1 });
    sandbox.setFaultSwitch({ hang: true });
    expect(await getSwitch()).toEqual({ status: 200, json: { fault: { hang: true } } });
    expect(await putSwitch(null)).toEqual({ status: 200, json: { fault: null } });
    expect(sandbox.faultSwitch()).toBeNull();
  });

  it('hands out a copy: changing it does not change the switch', () => {
    const fault: Fault = { status: 500 };
    sandbox.setFaultSwitch(fault);
    (fault as { status: number }).status = 503;
    const current = sandbox.faultSwitch() as { status: number };
    current.status = 429;
    expect(sandbox.faultSwitch()).toEqual({ status: 500 });
  });
});

describe('a status switched on', () => {
  it.each<[429 | 500 | 503, string]>([
    [429, 'rate_limited'],
    [500, 'failed'],
    [503, 'unavailable'],
  ])('%s: every send fails with it, retries included; off, the next send goes through', async (status, kind) => {
    expect((await putSwitch({ status })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const e = await failure(send());
      expect(e).toMatchObject({ kind, httpStatus: status, outcomeUnknown: false });
    }
    expect(sandbox.sent()).toEqual([]);
    expect((await putSwitch(null)).status).toBe(200);
    const ok = await send();
    expect(ok.status.code).toBe(290);
    expect(sandbox.sent()).toEqual([expect.objectContaining({ referenceId: ok.referenceId })]);
  });

  it('carries its Retry-After', async () => {
    await putSwitch({ status: 429, retryAfterSeconds: 7 });
    const waits: number[] = [];
    await failure(send(client({ sleep: async (ms) => void waits.push(ms) })));
    expect(waits).toEqual([7000, 7000]);
  });

  it('catches every /v1/ request, status reads and the credential check too', async () => {
    const c = client({ maxRetries: 0 });
    const sent = await send(c);
    await putSwitch({ status: 500 });
    expect(await failure(c.getStatus(sent.referenceId))).toMatchObject({ httpStatus: 500 });
    expect(await failure(c.checkCredentials())).toMatchObject({ httpStatus: 500 });
    await putSwitch(null);
    expect((await c.getStatus(sent.referenceId)).referenceId).toBe(sent.referenceId);
    expect(await c.checkCredentials()).toMatchObject({ valid: true });
  });

  it('never touches the control routes', async () => {
    await putSwitch({ status: 503 });
    expect((await control('GET', '/sandbox/messages')).status).toBe(200);
  });

  it('a queued one-shot fault is played first, then the switch', async () => {
    const c = client({ maxRetries: 0 });
    await putSwitch({ status: 429 });
    expect((await control('POST', '/sandbox/faults', JSON.stringify([{ status: 503 }]))).status).toBe(200);
    expect(await failure(send(c))).toMatchObject({ httpStatus: 503 });
    expect(await failure(send(c))).toMatchObject({ httpStatus: 429 });
    expect(await failure(send(c))).toMatchObject({ httpStatus: 429 });
    await putSwitch(null);
    expect((await send(c)).status.code).toBe(290);
  });
});

describe('a dropped connection switched on', () => {
  it('drops every send; off, the next send goes through', async () => {
    await putSwitch({ dropConnection: true });
    for (let i = 0; i < 2; i++) expect(await failure(send())).toMatchObject({ kind: 'timeout', outcomeUnknown: true });
    await putSwitch(null);
    expect((await send()).status.code).toBe(290);
    expect(sandbox.sent()).toHaveLength(1);
  });
});

describe('a hang switched on', () => {
  it('leaves every send unanswered; off, the next send goes through', async () => {
    await putSwitch({ hang: true });
    const c = client({ timeoutMs: 150 });
    for (let i = 0; i < 2; i++) expect(await failure(send(c))).toMatchObject({ kind: 'timeout', outcomeUnknown: true });
    await putSwitch(null);
    expect((await send(c)).status.code).toBe(290);
    expect(sandbox.sent()).toHaveLength(1);
  });

  it('stop() closes the hung requests at once, leaking no socket', async () => {
    sandbox.setFaultSwitch({ hang: true });
    const agent = new http.Agent({ keepAlive: true });
    const url = new URL('/v1/messaging', sandbox.url);
    const hung = Array.from(
      { length: 3 },
      () =>
        new Promise<string>((resolve) => {
          const req = http.request(url, { method: 'POST', agent }, (res) => resolve(`answered ${res.statusCode}`));
          req.on('error', (error) => resolve(`error ${error.message}`));
          req.end('message=hi');
        }),
    );
    // A round trip after the hung requests were sent: the sandbox has had every chance to answer them.
    expect((await getSwitch()).json).toEqual({ fault: { hang: true } });
    const started = Date.now();
    await sandbox.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    for (const outcome of await Promise.all(hung)) expect(outcome).toMatch(/^error /);
    agent.destroy();
  });
});

describe('PUT /sandbox/fault-switch with a bad body', () => {
  it.each<[string, string]>([
    ['not JSON', '{fault:'],
    ['no fault field', '{}'],
    ['a bare fault', '{"status": 500}'],
    ['an array', '[{"status": 500}]'],
    ['a status it cannot play', '{"fault": {"status": 418}}'],
    ['hang: false', '{"fault": {"hang": false}}'],
    ['an unknown field', '{"fault": {"status": 500, "count": 2}}'],
    ['a negative Retry-After', '{"fault": {"status": 429, "retryAfterSeconds": -1}}'],
    ['two kinds at once', '{"fault": {"status": 500, "hang": true}}'],
  ])('%s: 400 with error and message, the switch unchanged', async (_name, body) => {
    sandbox.setFaultSwitch({ status: 503 });
    const answer = await control('PUT', '/sandbox/fault-switch', body);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }));
    expect(sandbox.faultSwitch()).toEqual({ status: 503 });
  });

  it('other methods are not routes', async () => {
    expect((await control('POST', '/sandbox/fault-switch', '{"fault": null}')).status).toBe(404);
    expect((await control('DELETE', '/sandbox/fault-switch')).status).toBe(404);
  });
});
