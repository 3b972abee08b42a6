/**
 * The Telesign sandbox against docs/telesign-protocol.md. Every request and every signature check here is built by
 * hand with node:crypto from the protocol text, never with the project's Telesign client: a bug the two shared
 * would otherwise go unnoticed.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  type SandboxOptions,
  sandboxTestNumbers,
  signCallbackBody,
  TelesignSandbox,
  verifyRequestAuth,
} from '../../local/telesignSandbox';

// ---------------------------------------------------------------------------------------------------------------
// Hand-made Telesign client bits (§Request signing) and callback verification (§Callback signature)
// ---------------------------------------------------------------------------------------------------------------

const FORM = 'application/x-www-form-urlencoded';
const CUSTOMER_ID = 'AAAAAAAA-BBBB-CCCC-DDDD-000000000001';
const API_KEY = Buffer.from('sandbox test key number one').toString('base64');
const OTHER_CUSTOMER_ID = 'AAAAAAAA-BBBB-CCCC-DDDD-000000000002';
const OTHER_API_KEY = Buffer.from('sandbox test key number two').toString('base64');
const CUSTOMER_NUMBER = '15555550100';
const OUR_NUMBER = '14255550199';

function tsaSign(
  apiKey: string,
  lines: { method: string; contentType: string; date: string; nonce: string; body?: string; path: string },
): string {
  const parts = [
    lines.method,
    lines.contentType,
    lines.date,
    'x-ts-auth-method:HMAC-SHA256',
    `x-ts-nonce:${lines.nonce}`,
  ];
  if (lines.body) parts.push(lines.body);
  parts.push(lines.path);
  return createHmac('sha256', Buffer.from(apiKey, 'base64')).update(parts.join('\n'), 'utf8').digest('base64');
}

interface SignedInput {
  method?: 'GET' | 'POST';
  path?: string;
  body?: string;
  customerId?: string;
  apiKey?: string;
  date?: string;
  nonce?: string;
  /** Lets a test sign with one key and claim another signature. */
  signature?: string;
}

function tsaHeaders(input: SignedInput): Record<string, string> {
  const method = input.method ?? 'POST';
  const contentType = method === 'POST' ? FORM : '';
  const date = input.date ?? new Date().toUTCString();
  const nonce = input.nonce ?? randomUUID();
  const path = input.path ?? '/v1/messaging';
  const signature =
    input.signature ?? tsaSign(input.apiKey ?? API_KEY, { method, contentType, date, nonce, body: input.body, path });
  const headers: Record<string, string> = {
    Authorization: `TSA ${input.customerId ?? CUSTOMER_ID}:${signature}`,
    Date: date,
    'x-ts-auth-method': 'HMAC-SHA256',
    'x-ts-nonce': nonce,
  };
  if (contentType) headers['Content-Type'] = contentType;
  return headers;
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;

  json: any;
}

/** node:http without an agent: one connection per request, closed after, so nothing stays open. */
function request(
  baseUrl: string,
  input: { method: string; path: string; headers?: Record<string, string>; body?: string },
  onWritten?: () => void,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = input.body === undefined ? undefined : Buffer.from(input.body, 'utf8');
    const headers = { ...input.headers, ...(body && { 'Content-Length': String(body.length) }) };
    const req = http.request(new URL(input.path, baseUrl), { method: input.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (onWritten) req.on('finish', onWritten);
    req.end(body);
  });
}

function signedSend(
  sandbox: TelesignSandbox,
  fields: Record<string, string>,
  overrides: SignedInput = {},
): Promise<Answer> {
  const body = form(fields);
  return request(sandbox.url, {
    method: 'POST',
    path: '/v1/messaging',
    headers: tsaHeaders({ ...overrides, body }),
    body,
  });
}

function signedGet(sandbox: TelesignSandbox, referenceId: string, overrides: SignedInput = {}): Promise<Answer> {
  const path = `/v1/messaging/${referenceId}`;
  return request(sandbox.url, { method: 'GET', path, headers: tsaHeaders({ ...overrides, method: 'GET', path }) });
}

const validFields = { phone_number: CUSTOMER_NUMBER, message: 'Your order has shipped', message_type: 'ARN' };

/** §Callback signature: over the raw body only, both headers present, constant-time comparison. */
function callbackSignatureValid(cb: ReceivedCallback, customerId: string, apiKey: string): boolean {
  const expected = createHmac('sha256', Buffer.from(apiKey, 'base64')).update(cb.raw).digest('base64');
  const auth = cb.headers['authorization'];
  const xts = cb.headers['x-ts-authorization'];
  if (auth !== `TSA ${customerId}:${xts}`) return false;
  const given = Buffer.from(String(xts));
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

// ---------------------------------------------------------------------------------------------------------------
// A local HTTP server standing in for our callback endpoint
// ---------------------------------------------------------------------------------------------------------------

interface ReceivedCallback {
  headers: http.IncomingHttpHeaders;
  raw: Buffer;

  json: any;
}

class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  /** Statuses to answer, in order; 200 once exhausted. */
  answers: number[] = [];
  url = '';
  private waiters: Array<() => void> = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      this.received.push({ headers: req.headers, raw, json: JSON.parse(raw.toString('utf8')) });
      const status = this.answers.shift() ?? 200;
      res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end('{}');
      this.waiters.forEach((w) => w());
    });
  });

  static async start(): Promise<CallbackReceiver> {
    const receiver = new CallbackReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.server.address() as AddressInfo;
    receiver.url = `http://127.0.0.1:${port}/telesign/callback`;
    return receiver;
  }

  /** Resolves once the callbacks received so far satisfy the predicate (jest's timeout bounds the wait). */
  until(predicate: (received: ReceivedCallback[]) => boolean): Promise<ReceivedCallback[]> {
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

  forReference(referenceId: string): ReceivedCallback[] {
    return this.received.filter((cb) => cb.json.reference_id === referenceId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Polls a condition that the sandbox settles asynchronously (no time limit of its own: jest's applies). */
async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

const finalCodes = new Set([200, 207, 210, 211, 220, 221, 222, 229, 230, 231, 233, 237, 238, 250, 251]);

// ---------------------------------------------------------------------------------------------------------------
// Pure protocol checks: test vectors
// ---------------------------------------------------------------------------------------------------------------

describe('request signature vectors (§Test vectors), through the sandbox verifier', () => {
  const vectorCustomer = 'FFFFFFFF-EEEE-DDDD-1234-AB1234567890';
  const vectorKey = 'VGVzdCBLZXk=';
  const vectorDate = 'Wed, 14 Dec 2016 18:20:12 GMT';
  const vectorNonce = 'A1592C6F-E384-4CDB-BC42-C3AB970369E9';
  const vectors = [
    {
      method: 'POST',
      path: '/v1/resource',
      body: 'test=param',
      signature: 'vXw/XzywdhgfEG2/zWLaFp7oXmjLB8iJDMndvDbZMjk=',
    },
    {
      method: 'POST',
      path: '/v1/resource',
      body: 'test=%CF%BF',
      signature: 'lPpGXw4jTRdaEp2obzYAD5rR+2aWDInJ8ThLbq0nTGU=',
    },
    { method: 'GET', path: '/v1/resource', body: '', signature: 'wscyrZZtA7kdXu0i4D5KXyDmBcwH52JF1feiEKp+ir0=' },
    {
      method: 'POST',
      path: '/v1/messaging',
      body: 'phone_number=15555550100&message=Hello+world&message_type=ARN',
      signature: 'XVa4gHk0w0K7tPeKThzNWEWRDHZLi/M+rA4AMfcldPQ=',
    },
  ];

  function vectorRequest(v: (typeof vectors)[number], signature: string) {
    const headers: Record<string, string> = {
      authorization: `TSA ${vectorCustomer}:${signature}`,
      date: vectorDate,
      'x-ts-auth-method': 'HMAC-SHA256',
      'x-ts-nonce': vectorNonce,
    };
    if (v.method === 'POST') headers['content-type'] = FORM;
    return { method: v.method, path: v.path, headers, body: Buffer.from(v.body, 'utf8') };
  }

  const context = {
    apiKeyFor: (id: string) => (id === vectorCustomer ? vectorKey : undefined),
    now: Date.parse(vectorDate),
    dateToleranceMs: 15 * 60 * 1000,
  };

  test.each(vectors)('$method $path $body verifies', (v) => {
    expect(verifyRequestAuth(vectorRequest(v, v.signature), context)).toEqual({
      ok: true,
      customerId: vectorCustomer,
      scheme: 'TSA',
    });
  });

  test.each(vectors)('$method $path $body: a one-character change of the signature is refused', (v) => {
    const tampered = (v.signature[0] === 'A' ? 'B' : 'A') + v.signature.slice(1);
    expect(verifyRequestAuth(vectorRequest(v, tampered), context)).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
    });
  });

  test.each(vectors)('$method $path $body: the test signer agrees (so the live tests sign correctly)', (v) => {
    const contentType = v.method === 'POST' ? FORM : '';
    expect(
      tsaSign(vectorKey, {
        method: v.method,
        contentType,
        date: vectorDate,
        nonce: vectorNonce,
        body: v.body,
        path: v.path,
      }),
    ).toBe(v.signature);
  });

  test('the vector Date is refused an hour later', () => {
    const v = vectors[0];
    expect(verifyRequestAuth(vectorRequest(v, v.signature), { ...context, now: context.now + 3600_000 })).toMatchObject(
      {
        ok: false,
        reason: 'date_out_of_range',
      },
    );
  });
});

describe('callback signature vector (§Test vectors)', () => {
  test('the sandbox signing function gives the documented signature', () => {
    const body =
      '{"status":{"code":200,"description":"Delivered to handset","updated_on":"2016-10-21T14:05:36.181346Z"},"reference_id":"0123456789ABCDEF0123456789ABCDEF"}';
    expect(signCallbackBody('VGVzdCBLZXk=', Buffer.from(body, 'utf8'))).toBe(
      'iixW5wYvk4nW7ILc8T4IjfrSNV1/nUZyCdYTOIZCt9A=',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The running sandbox
// ---------------------------------------------------------------------------------------------------------------

describe('TelesignSandbox over HTTP', () => {
  let sandbox: TelesignSandbox;
  let receiver: CallbackReceiver;
  let logLines: string[];

  async function startSandbox(extra: Partial<SandboxOptions> = {}): Promise<TelesignSandbox> {
    const capture = (level: string) => (message: string, props?: Record<string, unknown>) => {
      logLines.push(`${level} ${message} ${JSON.stringify(props ?? {})}`);
    };
    return TelesignSandbox.start({
      accounts: [
        { customerId: CUSTOMER_ID, apiKey: API_KEY },
        { customerId: OTHER_CUSTOMER_ID, apiKey: OTHER_API_KEY },
      ],
      callbackUrl: receiver.url,
      reportDelaysMs: [5, 10],
      callbackRetryDelaysMs: [10, 20],
      logger: { info: capture('info'), warn: capture('warn'), error: capture('error') },
      ...extra,
    });
  }

  beforeEach(async () => {
    logLines = [];
    receiver = await CallbackReceiver.start();
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    await sandbox.stop();
    await receiver.close();
  });

  describe('POST /v1/messaging', () => {
    test('a signed send is accepted with status 290 and a 32-hex reference id, and recorded', async () => {
      const answer = await signedSend(sandbox, { ...validFields, sender_id: OUR_NUMBER, external_id: 'ext-1' });
      expect(answer.status).toBe(200);
      expect(answer.json.reference_id).toMatch(/^[0-9A-F]{32}$/);
      expect(answer.json.status).toEqual({
        code: 290,
        description: 'Message in progress',
        updated_on: expect.any(String),
      });
      expect(Number.isNaN(Date.parse(answer.json.status.updated_on))).toBe(false);
      expect(answer.json.status.updated_on).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      expect(sandbox.sent()).toEqual([
        expect.objectContaining({
          referenceId: answer.json.reference_id,
          customerId: CUSTOMER_ID,
          phoneNumber: CUSTOMER_NUMBER,
          message: validFields.message,
          messageType: 'ARN',
          senderId: OUR_NUMBER,
          externalId: 'ext-1',
        }),
      ]);
    });

    test('Basic auth is accepted too', async () => {
      const body = form(validFields);
      const basic = Buffer.from(`${CUSTOMER_ID}:${API_KEY}`).toString('base64');
      const answer = await request(sandbox.url, {
        method: 'POST',
        path: '/v1/messaging',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': FORM },
        body,
      });
      expect(answer.status).toBe(200);
      expect(answer.json.status.code).toBe(290);
    });

    test('a wrong Basic key is refused with 401', async () => {
      const basic = Buffer.from(`${CUSTOMER_ID}:${OTHER_API_KEY}`).toString('base64');
      const answer = await request(sandbox.url, {
        method: 'POST',
        path: '/v1/messaging',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': FORM },
        body: form(validFields),
      });
      expect(answer.status).toBe(401);
    });

    test('a signature made with another key is refused with 401 and a Telesign-shaped body', async () => {
      const answer = await signedSend(sandbox, validFields, { apiKey: OTHER_API_KEY });
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({
        status: { code: 10008, description: 'Invalid Signature.', updated_on: expect.any(String) },
        errors: [{ code: expect.any(Number), description: expect.any(String) }],
      });
      expect(sandbox.sent()).toHaveLength(0);
    });

    test('a body changed after signing is refused', async () => {
      const headers = tsaHeaders({ body: form(validFields) });
      const answer = await request(sandbox.url, {
        method: 'POST',
        path: '/v1/messaging',
        headers,
        body: form({ ...validFields, message: 'tampered' }),
      });
      expect(answer.status).toBe(401);
    });

    test('an unknown customer id is refused with -30000', async () => {
      const answer = await signedSend(sandbox, validFields, { customerId: 'AAAAAAAA-0000-0000-0000-000000000000' });
      expect(answer.status).toBe(401);
      expect(answer.json.errors).toEqual([{ code: -30000, description: 'Invalid Customer ID.' }]);
    });

    test('a reused nonce is refused', async () => {
      const body = form(validFields);
      const headers = tsaHeaders({ body });
      const first = await request(sandbox.url, { method: 'POST', path: '/v1/messaging', headers, body });
      const replay = await request(sandbox.url, { method: 'POST', path: '/v1/messaging', headers, body });
      expect(first.status).toBe(200);
      expect(replay.status).toBe(401);
      expect(replay.json.status.code).toBe(10008);
      expect(sandbox.sent()).toHaveLength(1);
    });

    test('a stale Date is refused, and so is one from the future', async () => {
      const stale = await signedSend(sandbox, validFields, {
        date: new Date(Date.now() - 20 * 60 * 1000).toUTCString(),
      });
      const future = await signedSend(sandbox, validFields, {
        date: new Date(Date.now() + 20 * 60 * 1000).toUTCString(),
      });
      expect(stale.status).toBe(401);
      expect(future.status).toBe(401);
    });

    test('a Date that is not RFC 1123 is refused even when signed', async () => {
      const answer = await signedSend(sandbox, validFields, { date: new Date().toISOString() });
      expect(answer.status).toBe(401);
    });

    test('a request without Authorization is refused', async () => {
      const answer = await request(sandbox.url, {
        method: 'POST',
        path: '/v1/messaging',
        headers: { 'Content-Type': FORM },
        body: form(validFields),
      });
      expect(answer.status).toBe(401);
    });

    test('key rotation: the old key stops working, the new one works', async () => {
      const rotated = Buffer.from('rotated key').toString('base64');
      sandbox.setApiKey(CUSTOMER_ID, rotated);
      expect((await signedSend(sandbox, validFields)).status).toBe(401);
      expect((await signedSend(sandbox, validFields, { apiKey: rotated })).status).toBe(200);
    });

    test('an API key that is not standard base64 is refused at configuration time', () => {
      expect(() => sandbox.setApiKey(CUSTOMER_ID, 'abc-_def')).toThrow(/base64/);
    });

    const fieldCases: Array<[string, number, Record<string, string | undefined>]> = [
      ['missing phone_number', 12000, { phone_number: undefined }],
      ['empty phone_number', 12000, { phone_number: '' }],
      ['missing message', 12009, { message: undefined }],
      ['missing message_type', 12017, { message_type: undefined }],
      ['phone_number with letters', 11000, { phone_number: '1555555O100' }],
      ['phone_number with a plus', 11000, { phone_number: '+15555550100' }],
      ['phone_number of 7 digits', 11000, { phone_number: '5550100' }],
      ['phone_number of 16 digits', 11000, { phone_number: '1555555010012345' }],
      ['message of 1601 characters', 11009, { message: 'x'.repeat(1601) }],
      ['message_type XYZ', 11017, { message_type: 'XYZ' }],
      ['sender_id of 21 characters', 11013, { sender_id: 'S'.repeat(21) }],
    ];

    test.each(fieldCases)('%s → 400 with code %d', async (_name, code, change) => {
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...validFields, ...change })) if (v !== undefined) fields[k] = v;
      const answer = await signedSend(sandbox, fields);
      expect(answer.status).toBe(400);
      expect(answer.json.status).toEqual({ code, description: expect.any(String), updated_on: expect.any(String) });
      expect(answer.json.errors).toContainEqual({ code, description: expect.any(String) });
      expect(sandbox.sent()).toHaveLength(0);
    });

    test('limits are inclusive: 1600 characters, 15 digits, 20-character sender id pass', async () => {
      const answer = await signedSend(sandbox, {
        ...validFields,
        phone_number: '155555501001234',
        message: 'y'.repeat(1600),
        sender_id: 'S'.repeat(20),
      });
      expect(answer.status).toBe(200);
    });
  });

  describe('GET /v1/messaging/{reference_id}', () => {
    test('returns the latest status, case-insensitively, ending with 200', async () => {
      const sent = await signedSend(sandbox, validFields);
      const referenceId: string = sent.json.reference_id;
      const early = await signedGet(sandbox, referenceId);
      expect(early.status).toBe(200);
      expect(early.json.reference_id).toBe(referenceId);
      expect([290, 203, 200]).toContain(early.json.status.code);

      await receiver.until(() => receiver.forReference(referenceId).some((cb) => cb.json.status.code === 200));
      const late = await signedGet(sandbox, referenceId.toLowerCase());
      expect(late.status).toBe(200);
      expect(late.json).toEqual({
        reference_id: referenceId,
        status: { code: 200, description: 'Delivered to handset', updated_on: expect.any(String) },
      });
    });

    test('an unknown reference gives 404 with an errors body', async () => {
      const answer = await signedGet(sandbox, '00000000000000000000000000000000');
      expect(answer.status).toBe(404);
      expect(answer.json.errors).toEqual([{ code: expect.any(Number), description: expect.any(String) }]);
    });

    test("another account's reference is not found", async () => {
      const sent = await signedSend(sandbox, validFields);
      const answer = await signedGet(sandbox, sent.json.reference_id, {
        customerId: OTHER_CUSTOMER_ID,
        apiKey: OTHER_API_KEY,
      });
      expect(answer.status).toBe(404);
    });

    test('a GET signed with a wrong key is refused', async () => {
      const answer = await signedGet(sandbox, '00000000000000000000000000000000', { apiKey: OTHER_API_KEY });
      expect(answer.status).toBe(401);
    });
  });

  describe('delivery reports', () => {
    test('203 then 200 arrive signed per §Callback signature, in order, and are marked delivered', async () => {
      const sent = await signedSend(sandbox, validFields);
      const referenceId: string = sent.json.reference_id;
      await receiver.until(() => receiver.forReference(referenceId).length >= 2);
      const reports = receiver.forReference(referenceId);
      expect(reports.map((cb) => cb.json.status.code)).toEqual([203, 200]);
      for (const cb of reports) {
        expect(cb.headers['content-type']).toBe('application/json');
        expect(callbackSignatureValid(cb, CUSTOMER_ID, API_KEY)).toBe(true);
        expect(cb.json).toEqual({
          status: { code: expect.any(Number), description: expect.any(String), updated_on: expect.any(String) },
          errors: [],
          sub_resource: 'sms',
          additional_info: expect.objectContaining({
            message_parts_count: 1,
            message_parts_reference_ids: expect.stringMatching(/^[0-9A-F]{32}$/),
          }),
          reference_id: referenceId,
        });
        // A delivery report carries no phone number (§Delivery reports).
        expect(cb.raw.toString('utf8')).not.toContain(CUSTOMER_NUMBER);
      }
      expect(reports[0].json.status.description).toBe('Delivered to gateway');
      expect(reports[1].json.status.description).toBe('Delivered to handset');
      await eventually(
        () => sandbox.sent()[0].reports.every((r) => r.deliveredToCallback) && sandbox.sent()[0].reports.length === 2,
      );
      expect(sandbox.sent()[0].reports).toEqual([
        { code: 203, description: 'Delivered to gateway', deliveredToCallback: true },
        { code: 200, description: 'Delivered to handset', deliveredToCallback: true },
      ]);
    });

    test('a long message reports several parts', async () => {
      const sent = await signedSend(sandbox, { ...validFields, message: 'z'.repeat(400) });
      await receiver.until(() => receiver.forReference(sent.json.reference_id).length >= 1);
      expect(receiver.forReference(sent.json.reference_id)[0].json.additional_info.message_parts_count).toBe(3);
    });

    const reporting = sandboxTestNumbers.filter((n) => n.reports.length > 0);
    test.each(reporting.map((n) => [n.phoneNumber, n.reports.map((r) => r.code)] as const))(
      'test number %s gets reports %j',
      async (phoneNumber, codes) => {
        const sent = await signedSend(sandbox, { ...validFields, phone_number: phoneNumber });
        const referenceId: string = sent.json.reference_id;
        await receiver.until(() => receiver.forReference(referenceId).length >= codes.length);
        const reports = receiver.forReference(referenceId);
        expect(reports.map((cb) => cb.json.status.code)).toEqual(codes);
        expect(finalCodes.has(codes[codes.length - 1])).toBe(true);
        expect(reports.every((cb) => callbackSignatureValid(cb, CUSTOMER_ID, API_KEY))).toBe(true);
        expect((await signedGet(sandbox, referenceId)).json.status.code).toBe(codes[codes.length - 1]);
      },
    );

    test('the silent test number gets no report at all', async () => {
      const silent = sandboxTestNumbers.find((n) => n.reports.length === 0);
      expect(silent).toBeDefined();
      const quiet = await signedSend(sandbox, { ...validFields, phone_number: silent!.phoneNumber });
      // Sent later with the same schedule, so its final report comes after any the silent one could have had.
      const loud = await signedSend(sandbox, validFields);
      await receiver.until(() => receiver.forReference(loud.json.reference_id).length >= 2);
      expect(receiver.forReference(quiet.json.reference_id)).toHaveLength(0);
      expect((await signedGet(sandbox, quiet.json.reference_id)).json.status.code).toBe(290);
    });

    test('the test numbers are fictional 555-01xx numbers', () => {
      for (const n of sandboxTestNumbers) expect(n.phoneNumber).toMatch(/^155555501\d{2}$/);
    });

    test('a report answered 500 is tried again and then marked delivered', async () => {
      receiver.answers = [500];
      const sent = await signedSend(sandbox, validFields);
      const referenceId: string = sent.json.reference_id;
      await receiver.until(
        () => receiver.forReference(referenceId).filter((cb) => cb.json.status.code === 203).length >= 2,
      );
      const tries = receiver.forReference(referenceId).filter((cb) => cb.json.status.code === 203);
      expect(tries[1].raw.equals(tries[0].raw)).toBe(true);
      await eventually(() => sandbox.sent()[0].reports.find((r) => r.code === 203)?.deliveredToCallback === true);
    });

    test('reports are signed with the customer that sent the message', async () => {
      const sent = await signedSend(sandbox, validFields, { customerId: OTHER_CUSTOMER_ID, apiKey: OTHER_API_KEY });
      await receiver.until(() => receiver.forReference(sent.json.reference_id).length >= 1);
      expect(
        callbackSignatureValid(receiver.forReference(sent.json.reference_id)[0], OTHER_CUSTOMER_ID, OTHER_API_KEY),
      ).toBe(true);
    });
  });

  describe('inbound SMS', () => {
    test('simulateInbound POSTs a signed mo_sms body and returns our answer', async () => {
      const result = await sandbox.simulateInbound({
        from: CUSTOMER_NUMBER,
        to: OUR_NUMBER,
        text: 'Where is my order?',
      });
      expect(result.callbackStatus).toBe(200);
      expect(result.referenceId).toMatch(/^[0-9A-F]{32}$/);
      expect(receiver.received).toHaveLength(1);
      const cb = receiver.received[0];
      expect(callbackSignatureValid(cb, CUSTOMER_ID, API_KEY)).toBe(true);
      expect(cb.json).toEqual({
        status: { code: 1500, description: 'Delivered to customer', updated_on: expect.any(String) },
        submit_timestamp: expect.any(String),
        errors: [],
        user_response: {
          phone_number: CUSTOMER_NUMBER,
          iso_country_code: 'US',
          sender_id: OUR_NUMBER,
          mo_message: 'Where is my order?',
        },
        sub_resource: 'mo_sms',
        reference_id: result.referenceId,
      });
    });

    test('an inbound answered 500 is tried again with the same body', async () => {
      receiver.answers = [500];
      const result = await sandbox.simulateInbound({ from: CUSTOMER_NUMBER, to: OUR_NUMBER, text: 'retry me' });
      expect(result.callbackStatus).toBe(500);
      await receiver.until((r) => r.length >= 2);
      expect(receiver.received[1].raw.equals(receiver.received[0].raw)).toBe(true);
      expect(callbackSignatureValid(receiver.received[1], CUSTOMER_ID, API_KEY)).toBe(true);
    });

    test('three tries in all when the callback keeps failing', async () => {
      receiver.answers = [500, 503, 502];
      await sandbox.simulateInbound({ from: CUSTOMER_NUMBER, to: OUR_NUMBER, text: 'never accepted' });
      await receiver.until((r) => r.length >= 3);
      expect(receiver.received.map((cb) => cb.json.reference_id)).toEqual(
        Array(3).fill(receiver.received[0].json.reference_id),
      );
    });

    test('the control route does the same and is signed for the chosen customer', async () => {
      const answer = await request(sandbox.url, {
        method: 'POST',
        path: '/sandbox/inbound',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ from: '447700900123', to: '', text: 'hello', customerId: OTHER_CUSTOMER_ID }),
      });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ referenceId: expect.stringMatching(/^[0-9A-F]{32}$/), callbackStatus: 200 });
      const cb = receiver.received[0];
      expect(callbackSignatureValid(cb, OTHER_CUSTOMER_ID, OTHER_API_KEY)).toBe(true);
      expect(cb.json.user_response).toEqual({
        phone_number: '447700900123',
        iso_country_code: 'GB',
        sender_id: '',
        mo_message: 'hello',
      });
    });

    test('without a callback URL simulateInbound fails clearly', async () => {
      const bare = await startSandbox({ callbackUrl: undefined });
      try {
        await expect(bare.simulateInbound({ from: CUSTOMER_NUMBER, to: OUR_NUMBER, text: 'x' })).rejects.toThrow(
          /callback URL/,
        );
        bare.setCallbackUrl(receiver.url);
        expect((await bare.simulateInbound({ from: CUSTOMER_NUMBER, to: OUR_NUMBER, text: 'x' })).callbackStatus).toBe(
          200,
        );
      } finally {
        await bare.stop();
      }
    });
  });

  describe('faults', () => {
    test('429 and 503 are played in order, then requests succeed again', async () => {
      sandbox.injectFaults([{ status: 429, retryAfterSeconds: 2 }, { status: 503 }, { status: 500 }]);
      const limited = await signedSend(sandbox, validFields);
      const unavailable = await signedSend(sandbox, validFields);
      const failed = await signedSend(sandbox, validFields);
      const ok = await signedSend(sandbox, validFields);
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('2');
      expect(limited.json.errors).toEqual([{ code: expect.any(Number), description: expect.any(String) }]);
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers['retry-after']).toBeUndefined();
      expect(failed.status).toBe(500);
      expect(ok.status).toBe(200);
      expect(sandbox.sent()).toHaveLength(1);
    });

    test('faults only affect POST /v1/messaging', async () => {
      sandbox.injectFaults([{ status: 429 }]);
      expect((await signedGet(sandbox, '00000000000000000000000000000000')).status).toBe(404);
      expect((await signedSend(sandbox, validFields)).status).toBe(429);
    });

    test('dropConnection destroys the socket without an answer', async () => {
      sandbox.injectFaults([{ dropConnection: true }]);
      await expect(signedSend(sandbox, validFields)).rejects.toThrow();
      expect((await signedSend(sandbox, validFields)).status).toBe(200);
      expect(sandbox.sent()).toHaveLength(1);
    });

    test('hang never answers until stop()', async () => {
      sandbox.injectFaults([{ hang: true }]);
      const body = form(validFields);
      let written!: () => void;
      const flushed = new Promise<void>((r) => (written = r));
      let settled = false;
      const hung = request(
        sandbox.url,
        { method: 'POST', path: '/v1/messaging', headers: tsaHeaders({ body }), body },
        written,
      ).then(
        (answer) => ({ answer, error: undefined }),
        (error: unknown) => ({ answer: undefined, error }),
      );
      void hung.then(() => (settled = true));
      await flushed;
      // A round trip after the hung request was written: the sandbox has had every chance to answer it.
      expect((await request(sandbox.url, { method: 'GET', path: '/sandbox/messages' })).status).toBe(200);
      expect(settled).toBe(false);
      await sandbox.stop();
      const outcome = await hung;
      expect(outcome.answer).toBeUndefined();
      expect(outcome.error).toBeDefined();
    });

    test('faults can be queued through the control API, which validates them', async () => {
      const bad = await request(sandbox.url, {
        method: 'POST',
        path: '/sandbox/faults',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify([{ status: 418 }]),
      });
      expect(bad.status).toBe(400);
      const queued = await request(sandbox.url, {
        method: 'POST',
        path: '/sandbox/faults',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify([{ status: 503, retryAfterSeconds: 1 }]),
      });
      expect(queued.status).toBe(200);
      const answer = await signedSend(sandbox, validFields);
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
    });
  });

  describe('control API and hygiene', () => {
    test('GET /sandbox/messages lists what was sent', async () => {
      const sent = await signedSend(sandbox, validFields);
      const answer = await request(sandbox.url, { method: 'GET', path: '/sandbox/messages' });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual([
        expect.objectContaining({ referenceId: sent.json.reference_id, phoneNumber: CUSTOMER_NUMBER }),
      ]);
    });

    test('unknown routes give 404 and control routes are not reachable under /v1/', async () => {
      expect((await request(sandbox.url, { method: 'GET', path: '/sandbox/nothing' })).status).toBe(404);
      expect((await request(sandbox.url, { method: 'GET', path: '/v1/sandbox/messages' })).status).toBe(404);
      expect((await request(sandbox.url, { method: 'GET', path: '/' })).status).toBe(404);
    });

    test('no log line carries an API key, a signature or a full phone number', async () => {
      const sent = await signedSend(sandbox, validFields);
      await signedSend(sandbox, validFields, { apiKey: OTHER_API_KEY });
      await sandbox.simulateInbound({ from: CUSTOMER_NUMBER, to: OUR_NUMBER, text: 'hi' });
      await receiver.until(() => receiver.forReference(sent.json.reference_id).length >= 2);
      const secrets = [
        API_KEY,
        OTHER_API_KEY,
        CUSTOMER_NUMBER,
        OUR_NUMBER,
        ...receiver.received.map((cb) => String(cb.headers['x-ts-authorization'])),
      ];
      expect(logLines.length).toBeGreaterThan(0);
      for (const line of logLines) for (const secret of secrets) expect(line).not.toContain(secret);
    });

    test('stop() is idempotent and cancels pending reports', async () => {
      const slow = await startSandbox({ reportDelaysMs: [60_000, 60_000] });
      try {
        expect((await signedSend(slow, validFields)).status).toBe(200);
      } finally {
        await slow.stop();
        await slow.stop();
      }
      expect(slow.sent()[0].reports).toHaveLength(0);
    });
  });
});
