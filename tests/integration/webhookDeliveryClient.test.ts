/**
 * One webhook delivery attempt against real HTTP receivers on 127.0.0.1 (local mode), each verifying what arrives
 * with the `standardwebhooks` package as a subscriber would. Azure mode's address policy is driven through an
 * injected resolver, and its refusals are proven by the receiver seeing no connection at all.
 */
import { randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';

import { Webhook } from 'standardwebhooks';

import { pinnedLookup, planConnection, type Resolve } from '../../shared/webhooks/connectionPlan';
import {
  deliverOnce,
  type DeliveryAttempt,
  type DeliveryDeps,
  type DeliveryResult,
  outcomeOf,
} from '../../shared/webhooks/deliveryClient';
import { exchange, RESPONSE_BODY_CAP_BYTES } from '../../shared/webhooks/httpExchange';
import { expectValidDelivery } from '../support/webhookSchemas';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const SECRET = newSecret();
/** A message.received payload as the channel builds it (docs/webhooks.md), with text that JSON must escape. */
const BODY = JSON.stringify({
  type: 'message.received',
  timestamp: '2026-12-07T10:00:00.000Z',
  data: {
    conversationId: 'c-1',
    threadId: 'T1abcdefghijklmnopqrst',
    messageId: 'T1abcdefghijklmnopqrst.2.1',
    referenceId: '0123456789ABCDEF0123456789ABCDEF',
    from: { digits: '15555550100', e164: '+15555550100' },
    to: { digits: '14252306549', e164: '+14252306549' },
    text: 'Grüße, 👋 "quoted" \\ and more',
    segments: 1,
    encoding: 'UCS-2',
    startedConversation: true,
    consent: { kind: 'none' },
  },
});
// Stands for Power Automate's `sig`: it must show up in no result.
const CREDENTIAL = 'sig-Zm9yYmlkZGVu';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  port: number;
  url: (path?: string) => string;
  received: Received[];
  connections: number;
  close: () => Promise<void>;
}

const receivers: Receiver[] = [];

/** A receiver whose handler sees each request once its whole body arrived. */
async function startReceiver(
  handle: (req: http.IncomingMessage, res: http.ServerResponse, received: Received) => void,
): Promise<Receiver> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.received.push(received);
      handle(req, res, received);
    });
  });
  server.on('connection', () => {
    receiver.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    port,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received: [],
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  receivers.push(receiver);
  return receiver;
}

const answering = (status: number, headers: http.OutgoingHttpHeaders = {}) =>
  startReceiver((_req, res) => {
    res.writeHead(status, headers).end('{"ok":false,"detail":"never logged"}');
  });

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const local: DeliveryDeps = { now: () => new Date(), mode: 'local' };

function attempt(url: string, overrides: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return {
    endpoint: { name: 'test receiver', url },
    id: 'evt_01JEXAMPLE0000000000000001',
    body: BODY,
    secrets: [SECRET],
    timeoutMs: 5000,
    ...overrides,
  };
}

/** What a subscriber does: verify with the library, on the raw body and the headers as received. */
function verifies(secret: string, { body, headers }: Received): boolean {
  try {
    new Webhook(secret).verify(body, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

const noCredentialIn = (result: DeliveryResult) => expect(JSON.stringify(result)).not.toContain(CREDENTIAL);

describe('deliverOnce in local mode, to a real receiver', () => {
  test('a 2xx receiver verifies the delivery with standardwebhooks and gets the body byte for byte', async () => {
    const receiver = await startReceiver((_req, res, received) => {
      res.writeHead(verifies(SECRET, received) ? 204 : 401).end();
    });

    const result = await deliverOnce(attempt(receiver.url()), local);

    expect(result).toMatchObject({ kind: 'answered', status: 204 });
    expect(outcomeOf(result)).toBe('delivered');
    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    expect(delivery.body).toBe(BODY);
    expectValidDelivery(delivery.body);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['webhook-id']).toBe('evt_01JEXAMPLE0000000000000001');
    expect(delivery.headers['user-agent']).toMatch(/telesign-sms-channel/);
    expect(verifies(SECRET, delivery)).toBe(true);
  });

  test('the signature is made at the attempt: webhook-timestamp is now() when the attempt starts', async () => {
    const receiver = await answering(200);
    const at = new Date();
    await deliverOnce(attempt(receiver.url()), { ...local, now: () => at });
    expect(receiver.received[0].headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
  });

  test('while a secret is rotated, a receiver holding either one verifies, and a wrong secret does not', async () => {
    const previous = newSecret();
    const next = newSecret();
    const receiver = await answering(200);

    const result = await deliverOnce(attempt(receiver.url(), { secrets: [previous, next] }), local);

    expect(outcomeOf(result)).toBe('delivered');
    const [delivery] = receiver.received;
    expect(String(delivery.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(previous, delivery)).toBe(true);
    expect(verifies(next, delivery)).toBe(true);
    expect(verifies(newSecret(), delivery)).toBe(false);
    expect(verifies(previous, { ...delivery, body: delivery.body.replace('c-1', 'c-2') })).toBe(false);
  });

  test.each([
    [410, 'disable'],
    [500, 'retry'],
    [503, 'retry'],
    [429, 'retry'],
    [400, 'failed'],
  ] as const)('an answer of %i means %s', async (status, outcome) => {
    const receiver = await answering(status);
    const result = await deliverOnce(attempt(receiver.url()), local);
    expect(result).toMatchObject({ kind: 'answered', status });
    expect(outcomeOf(result)).toBe(outcome);
    // The answer's text is never part of the result.
    expect(JSON.stringify(result)).not.toContain('never logged');
  });

  test('a 302 is an answer, not a redirect: the target is never called', async () => {
    const receiver = await startReceiver((_req, res, received) => {
      if (received.path.startsWith('/target')) res.writeHead(200).end();
      else res.writeHead(302, { location: `http://127.0.0.1:${receiver.port}/target` }).end();
    });

    const result = await deliverOnce(attempt(receiver.url('/hook')), local);

    expect(result).toMatchObject({ kind: 'answered', status: 302 });
    expect(outcomeOf(result)).toBe('failed');
    expect(receiver.received.filter((r) => r.path.startsWith('/target'))).toHaveLength(0);
    expect(receiver.received).toHaveLength(1);
  });

  test('a receiver that never answers times out, and the attempt comes back', async () => {
    const receiver = await startReceiver(() => undefined);
    const result = await deliverOnce(attempt(receiver.url(), { timeoutMs: 300 }), local);
    expect(result.kind).toBe('timeout');
    expect(outcomeOf(result)).toBe('retry');
  });

  test('a huge, slow response body is read only up to the cap, and the result comes back', async () => {
    const TEN_MB = 10 * 1024 * 1024;
    let sent = 0;
    let ended = false;
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const timer = setInterval(() => {
        if (sent >= TEN_MB || res.destroyed) {
          clearInterval(timer);
          ended = sent >= TEN_MB;
          res.end();
          return;
        }
        sent += chunk.length;
        res.write(chunk);
      }, 20);
      res.on('close', () => clearInterval(timer));
    });

    const result = await deliverOnce(attempt(receiver.url(), { timeoutMs: 10_000 }), local);

    expect(result.kind).toBe('answered');
    if (result.kind !== 'answered') return;
    expect(result.status).toBe(200);
    expect(result.bytesRead).toBeLessThanOrEqual(RESPONSE_BODY_CAP_BYTES);
    expect(result.bytesRead).toBeGreaterThan(0);
    expect(ended).toBe(false);
  });

  test('a closed port is a network failure named by its code, worth a retry', async () => {
    const closed = await answering(200);
    const url = `${closed.url()}?sig=${CREDENTIAL}`;
    await closed.close();
    receivers.splice(receivers.indexOf(closed), 1);

    const result = await deliverOnce(attempt(url), local);

    expect(result).toMatchObject({ kind: 'network', reason: 'ECONNREFUSED' });
    expect(outcomeOf(result)).toBe('retry');
    noCredentialIn(result);
  });

  test('a URL that is not http(s) is refused without a connection', async () => {
    const result = await deliverOnce(attempt(`ftp://127.0.0.1/hook?sig=${CREDENTIAL}`), local);
    expect(result).toMatchObject({ kind: 'refused' });
    expect(outcomeOf(result)).toBe('refused');
    noCredentialIn(result);
  });

  test('the parent signal cancels the attempt: it rejects with the signal reason and the socket is closed', async () => {
    let closed!: () => void;
    const socketClosed = new Promise<void>((resolve) => (closed = resolve));
    const receiver = await startReceiver((req) => req.socket.on('close', () => closed()));
    const controller = new AbortController();
    const reason = new Error('host stopping');

    const pending = deliverOnce(attempt(receiver.url()), { ...local, signal: controller.signal });
    while (receiver.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
    await socketClosed;
  });

  test('an already aborted signal rejects before any connection', async () => {
    const receiver = await answering(200);
    const controller = new AbortController();
    controller.abort(new Error('already stopping'));
    await expect(deliverOnce(attempt(receiver.url()), { ...local, signal: controller.signal })).rejects.toThrow(
      'already stopping',
    );
    expect(receiver.connections).toBe(0);
  });
});

describe('deliverOnce in azure mode: the address policy', () => {
  const resolving =
    (...addresses: string[]): Resolve =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  const azure = (resolve: Resolve): DeliveryDeps => ({ now: () => new Date(), mode: 'azure', resolve });

  /** An https URL by name that the injected resolver points at the real receiver's port. */
  const byName = (receiver: Receiver) => `https://hooks.example.com:${receiver.port}/hook?sig=${CREDENTIAL}`;

  test('a name resolving to loopback is refused before any connection', async () => {
    const receiver = await answering(200);
    const result = await deliverOnce(attempt(byName(receiver)), azure(resolving('127.0.0.1')));
    expect(result.kind).toBe('refused');
    if (result.kind !== 'refused') return;
    expect(result.reason).toContain('loopback');
    expect(result.reason).toContain('test receiver');
    expect(outcomeOf(result)).toBe('refused');
    expect(receiver.connections).toBe(0);
    noCredentialIn(result);
  });

  test('one private address among public ones refuses the attempt: no partial use', async () => {
    const receiver = await answering(200);
    const result = await deliverOnce(attempt(byName(receiver)), azure(resolving('93.184.216.34', '10.0.0.5')));
    expect(result).toMatchObject({ kind: 'refused' });
    if (result.kind !== 'refused') return;
    expect(result.reason).toContain('10.0.0.5');
    expect(result.reason).toContain('private');
    expect(receiver.connections).toBe(0);
  });

  test('an IPv4-mapped IPv6 answer is judged by the address it carries', async () => {
    const result = await deliverOnce(
      attempt('https://hooks.example.com/hook'),
      azure(resolving('::ffff:169.254.169.254')),
    );
    expect(result).toMatchObject({ kind: 'refused' });
  });

  test('the metadata service as a literal host is refused without asking the resolver', async () => {
    const resolve = jest.fn(resolving('93.184.216.34'));
    const result = await deliverOnce(
      attempt(`https://169.254.169.254/metadata/identity?sig=${CREDENTIAL}`),
      azure(resolve),
    );
    expect(result.kind).toBe('refused');
    if (result.kind !== 'refused') return;
    expect(result.reason).toContain('link-local');
    expect(resolve).not.toHaveBeenCalled();
    noCredentialIn(result);
  });

  test('plain http is refused in Azure even to a public name', async () => {
    const resolve = jest.fn(resolving('93.184.216.34'));
    const result = await deliverOnce(attempt('http://hooks.example.com/hook'), azure(resolve));
    expect(result).toMatchObject({ kind: 'refused' });
    expect(resolve).not.toHaveBeenCalled();
  });

  test('a name that does not resolve is a network failure, worth a retry', async () => {
    const notFound: Resolve = async () => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND hooks.example.com?sig=${CREDENTIAL}`), {
        code: 'ENOTFOUND',
      });
    };
    const result = await deliverOnce(attempt(`https://hooks.example.com/hook?sig=${CREDENTIAL}`), azure(notFound));
    expect(result).toMatchObject({ kind: 'network', reason: 'ENOTFOUND' });
    expect(outcomeOf(result)).toBe('retry');
    noCredentialIn(result);
  });

  test('a resolver that never answers is held to the timeout', async () => {
    const hanging: Resolve = () => new Promise<LookupAddress[]>(() => undefined);
    const result = await deliverOnce(attempt('https://hooks.example.com/hook', { timeoutMs: 200 }), azure(hanging));
    expect(result.kind).toBe('timeout');
  });
});

describe('the pinned lookup', () => {
  const PUBLIC = '93.184.216.34';

  function lookUp(lookup: LookupFunction, hostname: string, options: { all?: boolean; family?: number }) {
    return new Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>(
      (resolve) => lookup(hostname, options, (error, address, family) => resolve({ error, address, family })),
    );
  }

  test('answers with exactly the checked address, in both of the forms net asks for', async () => {
    const lookup = pinnedLookup('hooks.example.com', [{ address: PUBLIC, family: 4 }]);
    expect(await lookUp(lookup, 'hooks.example.com', { all: true })).toEqual({
      error: null,
      address: [{ address: PUBLIC, family: 4 }],
      family: undefined,
    });
    expect(await lookUp(lookup, 'hooks.example.com', {})).toEqual({ error: null, address: PUBLIC, family: 4 });
  });

  test('answers for no other host and no other family', async () => {
    const lookup = pinnedLookup('hooks.example.com', [{ address: PUBLIC, family: 4 }]);
    expect((await lookUp(lookup, 'elsewhere.example.com', { all: true })).error?.code).toBe('ENOTFOUND');
    expect((await lookUp(lookup, 'hooks.example.com', { family: 6 })).error?.code).toBe('ENOTFOUND');
  });

  test('a DNS answer that changes after the check does not reach the socket (rebinding)', async () => {
    const answers = [PUBLIC, '169.254.169.254', '10.0.0.5'];
    const resolve = jest.fn<Promise<LookupAddress[]>, Parameters<Resolve>>(async () => [
      { address: answers.shift() ?? '127.0.0.1', family: 4 },
    ]);

    const plan = await planConnection(new URL('https://hooks.example.com/hook'), {
      mode: 'azure',
      name: 'hooks',
      resolve,
    });

    expect(plan.kind).toBe('connect');
    if (plan.kind !== 'connect' || !plan.lookup) throw new Error('expected a pinned lookup');
    for (let i = 0; i < 3; i++) {
      expect((await lookUp(plan.lookup, 'hooks.example.com', {})).address).toBe(PUBLIC);
      expect((await lookUp(plan.lookup, 'hooks.example.com', { all: true })).address).toEqual([
        { address: PUBLIC, family: 4 },
      ]);
    }
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(resolve).toHaveBeenCalledWith('hooks.example.com', { all: true });
  });

  test('the socket connects where the pinned lookup says, not where the name would resolve', async () => {
    // hooks.example.com resolves nowhere near 127.0.0.1: reaching the receiver proves the request used the pin.
    const receiver = await answering(200);
    const answer = await exchange({
      url: new URL(`http://hooks.example.com:${receiver.port}/hook`),
      headers: { 'content-type': 'application/json' },
      body: BODY,
      lookup: pinnedLookup('hooks.example.com', [{ address: '127.0.0.1', family: 4 }]),
      signal: new AbortController().signal,
    });
    expect(answer).toMatchObject({ kind: 'answered', status: 200 });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].headers.host).toBe(`hooks.example.com:${receiver.port}`);
  });

  test('local mode connects as the OS resolves, without asking the resolver', async () => {
    const resolve = jest.fn<Promise<LookupAddress[]>, Parameters<Resolve>>(async () => []);
    const plan = await planConnection(new URL('http://localhost:7071/hook'), { mode: 'local', name: 'l', resolve });
    expect(plan).toEqual({ kind: 'connect' });
    expect(resolve).not.toHaveBeenCalled();
  });
});
