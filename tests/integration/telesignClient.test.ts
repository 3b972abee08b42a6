/**
 * The Telesign client against the sandbox (local/telesignSandbox), written from docs/telesign-protocol.md alone: a
 * signing or encoding bug in the client fails here instead of agreeing with itself. Attempts are counted by
 * wrapping global fetch; the peer is always the real sandbox over HTTP.
 */
import net, { type AddressInfo } from 'node:net';

import { TelesignSandbox } from '../../local/telesignSandbox';
import { createCachedSecretProvider } from '../../shared/secrets/cachedSecretProvider';
import { createTelesignClient, type TelesignClientOptions, TelesignError } from '../../shared/telesign/client';
import { withKeyRefreshOn401 } from '../../shared/telesign/rotatingKeyClient';

const CUSTOMER_ID = 'AAAAAAAA-BBBB-CCCC-DDDD-0000000000C1';
const API_KEY = Buffer.from('client test key one').toString('base64');
const NEW_API_KEY = Buffer.from('client test key two, rotated').toString('base64');
const CUSTOMER = '15555550100';
const NO_REPORT_NUMBER = '15555550155'; // the sandbox never moves its status on from 290

let sandbox: TelesignSandbox;

beforeEach(async () => {
  sandbox = await TelesignSandbox.start({
    accounts: [{ customerId: CUSTOMER_ID, apiKey: API_KEY }],
    reportDelaysMs: [5, 5],
  });
});

afterEach(async () => {
  await sandbox.stop();
});

interface Harness {
  client: ReturnType<typeof createTelesignClient>;
  /** Every HTTP attempt the client made, in order. */
  attempts: Array<{ method: string; url: string; authorization: string }>;
  /** Every wait the client asked for between attempts (instant here: no real delays in tests). */
  waits: number[];
}

function harness(overrides: Partial<TelesignClientOptions> = {}): Harness {
  const attempts: Harness['attempts'] = [];
  const waits: number[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    attempts.push({
      method: init?.method ?? 'GET',
      url: String(input),
      authorization: headers.get('authorization') ?? '',
    });
    return fetch(input, init);
  };
  const client = createTelesignClient({
    baseUrl: sandbox.url,
    customerId: CUSTOMER_ID,
    getApiKey: async () => API_KEY,
    fetch: recordingFetch,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...overrides,
  });
  return { client, attempts, waits };
}

async function failure(promise: Promise<unknown>): Promise<TelesignError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof TelesignError) return e;
    throw e;
  }
  throw new Error('expected a TelesignError');
}

/** A port nothing listens on: bound, then released. */
async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const posts = (h: Harness) => h.attempts.filter((a) => a.method === 'POST').length;

describe('sendSms', () => {
  it('sends the form fields and returns the normalised reference and status', async () => {
    const h = harness();
    const result = await h.client.sendSms({
      phoneNumber: CUSTOMER,
      message: 'Your order shipped: track it at https://example.com/t?a=1&b=2 😀',
      senderId: 'Contoso',
      externalId: 'msg-42',
      callbackUrl: 'https://example.com/api/telesign/callback',
    });
    expect(result.referenceId).toMatch(/^[0-9A-F]{32}$/);
    expect(result.status.code).toBe(290);
    expect(result.status.updatedOn).toEqual(expect.any(String));
    expect(sandbox.sent()).toEqual([
      expect.objectContaining({
        referenceId: result.referenceId,
        customerId: CUSTOMER_ID,
        phoneNumber: CUSTOMER,
        message: 'Your order shipped: track it at https://example.com/t?a=1&b=2 😀',
        messageType: 'ARN',
        senderId: 'Contoso',
        externalId: 'msg-42',
      }),
    ]);
    expect(h.attempts).toHaveLength(1);
  });

  it('leaves out optional fields that are not given', async () => {
    await harness().client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi', messageType: 'OTP' });
    const [sent] = sandbox.sent();
    expect(sent.messageType).toBe('OTP');
    expect(sent).not.toHaveProperty('senderId');
    expect(sent).not.toHaveProperty('externalId');
  });

  it('signs every attempt afresh and sends two messages with distinct nonces', async () => {
    const h = harness();
    await h.client.sendSms({ phoneNumber: CUSTOMER, message: 'one' });
    await h.client.sendSms({ phoneNumber: CUSTOMER, message: 'one' }); // same body: a reused nonce would be refused
    expect(sandbox.sent()).toHaveLength(2);
  });

  it('a field error is rejected with Telesign code and errors, not retried', async () => {
    const h = harness();
    const e = await failure(h.client.sendSms({ phoneNumber: '1555', message: 'Hi' }));
    expect(e).toMatchObject({ kind: 'rejected', httpStatus: 400, telesignCode: 11000, outcomeUnknown: false });
    expect(e.errors).toEqual([expect.objectContaining({ code: 11000 })]);
    expect(e.message).toContain('11000');
    expect(h.attempts).toHaveLength(1);
    expect(sandbox.sent()).toEqual([]);
  });

  it('a wrong key is unauthorized, with neither key nor signature in the error', async () => {
    const wrongKey = Buffer.from('not the key').toString('base64');
    const h = harness({ getApiKey: async () => wrongKey });
    const e = await failure(h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' }));
    expect(e).toMatchObject({ kind: 'unauthorized', httpStatus: 401, outcomeUnknown: false });
    expect(h.attempts).toHaveLength(1);
    const signature = h.attempts[0].authorization.split(':')[1];
    const exposed = JSON.stringify({ message: e.message, errors: e.errors, stack: e.stack });
    expect(exposed).not.toContain(wrongKey);
    expect(exposed).not.toContain(signature);
  });

  it('a key that is not standard base64 is refused before anything is sent', async () => {
    const h = harness({ getApiKey: async () => 'Y2xpZW50-dGVzdF9rZXk' });
    const e = await failure(h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' }));
    expect(e).toMatchObject({ kind: 'unauthorized', attempts: 0, errors: [{ code: 'api_key_format' }] });
    expect(e.message).not.toContain('Y2xpZW50');
    expect(h.attempts).toEqual([]);
  });

  it('429 then success: retried after Retry-After, the message sent once', async () => {
    sandbox.injectFaults([{ status: 429, retryAfterSeconds: 2 }]);
    const h = harness();
    const result = await h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' });
    expect(posts(h)).toBe(2);
    expect(h.waits).toEqual([2000]);
    expect(sandbox.sent().map((m) => m.referenceId)).toEqual([result.referenceId]);
  });

  it('Retry-After is capped by maxRetryAfterMs', async () => {
    sandbox.injectFaults([{ status: 429, retryAfterSeconds: 3600 }]);
    const h = harness({ maxRetryAfterMs: 1500 });
    await h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' });
    expect(h.waits).toEqual([1500]);
  });

  it('429 persisting: rate_limited after maxRetries', async () => {
    sandbox.injectFaults([{ status: 429 }, { status: 429 }, { status: 429 }, { status: 429 }]);
    const h = harness({ maxRetries: 2, retryDelayMs: 10 });
    const e = await failure(h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' }));
    expect(e).toMatchObject({
      kind: 'rate_limited',
      httpStatus: 429,
      telesignCode: 10019,
      attempts: 3,
      outcomeUnknown: false,
    });
    expect(posts(h)).toBe(3);
    expect(h.waits).toEqual([10, 20]); // exponential backoff without Retry-After
    expect(sandbox.sent()).toEqual([]);
  });

  it('503 (a proxy page, not JSON) is retried, then unavailable with the HTTP status', async () => {
    sandbox.injectFaults([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const h = harness({ maxRetries: 2 });
    const e = await failure(h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' }));
    expect(e).toMatchObject({ kind: 'unavailable', httpStatus: 503, errors: [], outcomeUnknown: false });
    expect(e.message).toMatch(/HTTP 503.*no Telesign body/);
    expect(posts(h)).toBe(3);
  });

  it('503 then success is retried', async () => {
    sandbox.injectFaults([{ status: 503 }]);
    const h = harness();
    await h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' });
    expect(posts(h)).toBe(2);
    expect(sandbox.sent()).toHaveLength(1);
  });

  it('500 is failed without a retry', async () => {
    sandbox.injectFaults([{ status: 500 }]);
    const h = harness();
    const e = await failure(h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' }));
    expect(e).toMatchObject({ kind: 'failed', httpStatus: 500, telesignCode: 10000, outcomeUnknown: false });
    expect(e.errors).toEqual([{ code: 10000, description: 'Transaction not attempted.' }]);
    expect(posts(h)).toBe(1);
  });

  it('no answer in time: timeout, outcome unknown, never resent', async () => {
    sandbox.injectFaults([{ hang: true }]);
    const h = harness({ timeoutMs: 300 });
    const e = await failure(h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' }));
    expect(e).toMatchObject({ kind: 'timeout', outcomeUnknown: true, attempts: 1 });
    expect(posts(h)).toBe(1);
    expect(h.waits).toEqual([]);
    // Had the client resent, the sandbox (its fault used up) would have accepted the copy.
    expect(sandbox.sent()).toEqual([]);
  });

  it('connection dropped after sending: outcome unknown, never resent', async () => {
    sandbox.injectFaults([{ dropConnection: true }]);
    const h = harness();
    const e = await failure(h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' }));
    expect(e).toMatchObject({ kind: 'timeout', outcomeUnknown: true, attempts: 1 });
    expect(posts(h)).toBe(1);
    expect(sandbox.sent()).toEqual([]);
  });

  it('connection refused: nothing was sent, so retried, then unavailable', async () => {
    const h = harness({ baseUrl: await closedPortUrl(), maxRetries: 2, retryDelayMs: 5 });
    const e = await failure(h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' }));
    expect(e).toMatchObject({ kind: 'unavailable', outcomeUnknown: false, attempts: 3 });
    expect(e.message).toContain('ECONNREFUSED');
    expect(posts(h)).toBe(3);
    expect(h.waits).toEqual([5, 10]);
  });
});

describe('getStatus', () => {
  it('returns the latest status of a reference, whatever case it is given in', async () => {
    const h = harness();
    const sent = await h.client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' });
    let status = await h.client.getStatus(sent.referenceId.toLowerCase());
    // The sandbox moves on to 203 then 200 on its own timers: poll, without asserting on time.
    for (let i = 0; i < 200 && status.status.code !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      status = await h.client.getStatus(sent.referenceId);
    }
    expect(status).toMatchObject({
      referenceId: sent.referenceId,
      status: { code: 200, description: 'Delivered to handset' },
    });
  });

  it('a message still in progress reads 290', async () => {
    const h = harness();
    const sent = await h.client.sendSms({ phoneNumber: NO_REPORT_NUMBER, message: 'Hi' });
    expect((await h.client.getStatus(sent.referenceId)).status.code).toBe(290);
  });

  it('an unknown reference is rejected with 404', async () => {
    const e = await failure(harness().client.getStatus('0123456789ABCDEF0123456789ABCDEF'));
    expect(e).toMatchObject({ kind: 'rejected', httpStatus: 404 });
  });

  it('a status read is retried on a refused connection too', async () => {
    const h = harness({ baseUrl: await closedPortUrl(), maxRetries: 1 });
    const e = await failure(h.client.getStatus('0123456789ABCDEF0123456789ABCDEF'));
    expect(e).toMatchObject({ kind: 'unavailable', attempts: 2 });
  });
});

describe('checkCredentials', () => {
  it('right credentials are valid (the probe reference is not found)', async () => {
    const h = harness();
    await expect(h.client.checkCredentials()).resolves.toEqual({
      valid: true,
      reason: expect.stringContaining('HTTP 404'),
    });
    expect(h.attempts).toEqual([
      expect.objectContaining({ method: 'GET', url: `${sandbox.url}/v1/messaging/00000000000000000000000000000000` }),
    ]);
  });

  it('a wrong key is invalid, and the reason says what to check', async () => {
    const h = harness({ getApiKey: async () => NEW_API_KEY });
    const check = await h.client.checkCredentials();
    expect(check.valid).toBe(false);
    expect(check.reason).toMatch(/customer id/);
    expect(check.reason).toMatch(/API key/);
    expect(check.reason).not.toContain(NEW_API_KEY);
  });

  it('an unknown customer id is invalid', async () => {
    const h = harness({ customerId: 'AAAAAAAA-BBBB-CCCC-DDDD-0000000000FF' });
    expect((await h.client.checkCredentials()).valid).toBe(false);
  });

  it('a clock far off is named as the likely cause', async () => {
    const h = harness({ now: () => new Date(Date.now() + 60 * 60 * 1000) });
    const check = await h.client.checkCredentials();
    expect(check.valid).toBe(false);
    expect(check.reason).toMatch(/clock is 360\d s off/);
  });

  it('a key that is not standard base64 is invalid without asking Telesign', async () => {
    const h = harness({ getApiKey: async () => 'not_base64-' });
    expect(await h.client.checkCredentials()).toEqual({
      valid: false,
      reason: expect.stringContaining('standard base64'),
    });
    expect(h.attempts).toEqual([]);
  });

  it('an unreachable Telesign throws unavailable rather than answering', async () => {
    const h = harness({ baseUrl: await closedPortUrl(), maxRetries: 0 });
    const e = await failure(h.client.checkCredentials());
    expect(e.kind).toBe('unavailable');
  });
});

describe('withKeyRefreshOn401 (key rotation)', () => {
  const SECRET = 'telesign-api-key';

  function vault(initial: string) {
    const state = { value: initial, reads: 0 };
    const secrets = createCachedSecretProvider({
      fetch: async () => {
        state.reads++;
        return state.value;
      },
    });
    return { state, secrets };
  }

  it('a 401 drops the cached key, re-reads it and succeeds once', async () => {
    const { state, secrets } = vault(API_KEY);
    const h = harness({ getApiKey: () => secrets.get(SECRET) });
    await h.client.sendSms({ phoneNumber: CUSTOMER, message: 'before rotation' });

    sandbox.setApiKey(CUSTOMER_ID, NEW_API_KEY);
    state.value = NEW_API_KEY;
    const result = await withKeyRefreshOn401(secrets, SECRET, () =>
      h.client.sendSms({ phoneNumber: CUSTOMER, message: 'after rotation' }),
    );

    expect(result.status.code).toBe(290);
    expect(state.reads).toBe(2);
    expect(posts(h)).toBe(3); // before, the refused one with the old key, the one with the new key
    expect(sandbox.sent().map((m) => m.message)).toEqual(['before rotation', 'after rotation']);
  });

  it('a key still wrong after re-reading gives the 401 to the caller after one retry', async () => {
    const { state, secrets } = vault(API_KEY);
    sandbox.setApiKey(CUSTOMER_ID, NEW_API_KEY);
    const fn = jest.fn(() =>
      harness({ getApiKey: () => secrets.get(SECRET) }).client.sendSms({ phoneNumber: CUSTOMER, message: 'Hi' }),
    );
    const e = await failure(withKeyRefreshOn401(secrets, SECRET, fn));
    expect(e.kind).toBe('unauthorized');
    expect(fn).toHaveBeenCalledTimes(2);
    expect(state.reads).toBe(2);
  });

  it('other errors pass through without touching the cache', async () => {
    const { state, secrets } = vault(API_KEY);
    const h = harness({ getApiKey: () => secrets.get(SECRET) });
    const e = await failure(
      withKeyRefreshOn401(secrets, SECRET, () => h.client.sendSms({ phoneNumber: '1', message: 'Hi' })),
    );
    expect(e.kind).toBe('rejected');
    expect(state.reads).toBe(1);
    expect(posts(h)).toBe(1);
  });

  it('two sends refused with the old key at once re-read it once and both go out', async () => {
    const { state, secrets } = vault(API_KEY);
    const h = harness({ getApiKey: () => secrets.get(SECRET) });
    await h.client.sendSms({ phoneNumber: CUSTOMER, message: 'before rotation' });

    sandbox.setApiKey(CUSTOMER_ID, NEW_API_KEY);
    state.value = NEW_API_KEY;
    const results = await Promise.all(
      ['one', 'two'].map((text) =>
        withKeyRefreshOn401(secrets, SECRET, () => h.client.sendSms({ phoneNumber: CUSTOMER, message: text })),
      ),
    );

    expect(results.map((r) => r.status.code)).toEqual([290, 290]);
    expect(state.reads).toBe(2); // the first read, then one refresh shared by both
    expect(sandbox.sent().map((m) => m.message)).toEqual(expect.arrayContaining(['one', 'two']));
  });
});
