/**
 * Edges of the Telesign client the sandbox cannot produce (odd bodies, gateways, GET timeouts), with a scripted
 * fetch. The sandbox-backed behaviour is in tests/integration/telesignClient.test.ts.
 */
import { createTelesignClient, type TelesignClientOptions } from '../../shared/telesign/client';
import { backoffMs, classifyFetchFailure, retryAfterMs } from '../../shared/telesign/retryPolicy';
import { TelesignError } from '../../shared/telesign/telesignError';

const KEY = Buffer.from('unit key').toString('base64');
const REF = '0123456789abcdef0123456789abcdef';

type Step = Response | Error | 'hang';

function scripted(steps: Step[], overrides: Partial<TelesignClientOptions> = {}) {
  const calls: RequestInit[] = [];
  const fakeFetch = ((_url: string, init: RequestInit) => {
    calls.push(init);
    const step = steps.shift() ?? new Error('script exhausted');
    if (step === 'hang') {
      return new Promise((_, reject) =>
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
      );
    }
    return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
  }) as typeof fetch;
  const client = createTelesignClient({
    baseUrl: 'https://rest-api.telesign.example/',
    customerId: 'CUST-1',
    getApiKey: async () => KEY,
    fetch: fakeFetch,
    sleep: async () => {},
    timeoutMs: 20,
    ...overrides,
  });
  return { client, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const fetchFailed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });

async function failure(p: Promise<unknown>): Promise<TelesignError> {
  return p.then(
    () => {
      throw new Error('expected a TelesignError');
    },
    (e: unknown) => {
      if (e instanceof TelesignError) return e;
      throw e;
    },
  );
}

describe('Telesign client edges', () => {
  it('normalises a lower-case reference id', async () => {
    const { client } = scripted([
      json(200, { reference_id: REF, status: { code: 290, description: 'Message in progress' } }),
    ]);
    expect((await client.sendSms({ phoneNumber: '15555550100', message: 'x' })).referenceId).toBe(REF.toUpperCase());
  });

  it('a 200 without a reference id is failed, outcome unknown for a POST', async () => {
    const { client } = scripted([new Response('<html>ok</html>', { status: 200 })]);
    const e = await failure(client.sendSms({ phoneNumber: '15555550100', message: 'x' }));
    expect(e).toMatchObject({ kind: 'failed', httpStatus: 200, outcomeUnknown: true });
  });

  it('a gateway 504 after a POST is failed with the outcome unknown, never retried', async () => {
    const { client, calls } = scripted([new Response('', { status: 504 })]);
    const e = await failure(client.sendSms({ phoneNumber: '15555550100', message: 'x' }));
    expect(e).toMatchObject({ kind: 'failed', httpStatus: 504, outcomeUnknown: true });
    expect(e.message).toContain('no Telesign body');
    expect(calls).toHaveLength(1);
  });

  it('a redirect is reported, not followed', async () => {
    const { client, calls } = scripted([
      new Response(null, { status: 301, headers: { Location: 'https://elsewhere/' } }),
    ]);
    const e = await failure(client.sendSms({ phoneNumber: '15555550100', message: 'x' }));
    expect(e).toMatchObject({ kind: 'failed', httpStatus: 301 });
    expect(calls[0].redirect).toBe('manual');
  });

  it('a GET that times out is retried (reading is safe), a POST is not', async () => {
    const ok = json(200, { reference_id: REF, status: { code: 200, description: 'Delivered to handset' } });
    const get = scripted(['hang', ok]);
    await expect(get.client.getStatus(REF)).resolves.toMatchObject({ status: { code: 200 } });
    expect(get.calls).toHaveLength(2);

    const post = scripted(['hang', ok]);
    expect(await failure(post.client.sendSms({ phoneNumber: '15555550100', message: 'x' }))).toMatchObject({
      kind: 'timeout',
      outcomeUnknown: true,
    });
    expect(post.calls).toHaveLength(1);
  });

  it('a GET that keeps timing out ends as timeout without an outcome to doubt', async () => {
    const { client, calls } = scripted(['hang', 'hang'], { maxRetries: 1 });
    expect(await failure(client.getStatus(REF))).toMatchObject({ kind: 'timeout', outcomeUnknown: false, attempts: 2 });
    expect(calls).toHaveLength(2);
  });

  it('signs each attempt with a fresh Date and nonce', async () => {
    let n = 0;
    const { client, calls } = scripted(
      [new Response('', { status: 503 }), json(200, { reference_id: REF, status: { code: 290, description: '' } })],
      { newNonce: () => `nonce-${++n}` },
    );
    await client.sendSms({ phoneNumber: '15555550100', message: 'x' });
    const nonces = calls.map((c) => new Headers(c.headers).get('x-ts-nonce'));
    expect(nonces).toEqual(['nonce-1', 'nonce-2']);
  });

  it('getApiKey failures pass through untouched', async () => {
    const boom = new Error('vault down');
    const { client, calls } = scripted([], { getApiKey: () => Promise.reject(boom) });
    await expect(client.sendSms({ phoneNumber: '1', message: 'x' })).rejects.toBe(boom);
    expect(calls).toHaveLength(0);
  });

  it('refuses a customer id that would corrupt the Authorization header', () => {
    expect(() => scripted([], { customerId: 'a:b' })).toThrow(TypeError);
  });
});

describe('retryPolicy', () => {
  it.each([
    [{ code: 'ECONNREFUSED', syscall: 'connect' }, 'not_sent'],
    [{ code: 'ENOTFOUND', syscall: 'getaddrinfo' }, 'not_sent'],
    [{ code: 'EAI_AGAIN', syscall: 'getaddrinfo' }, 'not_sent'],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 'not_sent'],
    [{ code: 'ECONNRESET', syscall: 'connect' }, 'not_sent'],
    [{ code: 'ECONNRESET', syscall: 'read' }, 'maybe_sent'],
    [{ code: 'UND_ERR_SOCKET' }, 'maybe_sent'],
    [{ code: 'CERT_HAS_EXPIRED' }, 'not_sent_permanent'],
    [{ name: 'Error' }, 'maybe_sent'],
  ])('%j is %s', (cause, expected) => {
    expect(classifyFetchFailure(fetchFailed(cause))).toBe(expected);
  });

  it('happy eyeballs: not sent only when every address refused', () => {
    const refused = { code: 'ECONNREFUSED', syscall: 'connect' };
    expect(classifyFetchFailure(fetchFailed(new AggregateError([refused, refused])))).toBe('not_sent');
    expect(classifyFetchFailure(fetchFailed(new AggregateError([refused, { code: 'ECONNRESET' }])))).toBe('maybe_sent');
  });

  it('Retry-After: seconds, HTTP date, capped, unreadable', () => {
    const now = new Date('2024-01-01T00:00:00Z');
    expect(retryAfterMs('3', now, 10_000)).toBe(3000);
    expect(retryAfterMs('Mon, 01 Jan 2024 00:00:05 GMT', now, 10_000)).toBe(5000);
    expect(retryAfterMs('Sun, 31 Dec 2023 23:00:00 GMT', now, 10_000)).toBe(0);
    expect(retryAfterMs('600', now, 10_000)).toBe(10_000);
    expect(retryAfterMs('soon', now, 10_000)).toBeUndefined();
    expect(retryAfterMs(null, now, 10_000)).toBeUndefined();
  });

  it('backoff doubles up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 500, 3000))).toEqual([500, 1000, 2000, 3000]);
  });
});
