jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { HttpRequest, InvocationContext } from '@azure/functions';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';

import { telesignCallback } from '../../functions/telesignCallback';
import { EmbeddedBroker } from '../../local/broker';
import { buildApp, resetApp, useApp } from '../../shared/app';
import { loadConfig } from '../../shared/config';
import { inboundEventSchema } from '../../shared/domain/inboundEvent';
import { threadIdOf } from '../../shared/domain/threadId';
import {
  createCachedSecretProvider,
  createKeyVaultSecretClient,
  createKeyVaultSecretSource,
} from '../../shared/secrets';
import { auditedLogHandler } from '../support/capturingLogger';
import { startFakeKeyVault, staticTokenCredential } from '../support/fakeKeyVault';
import {
  account1,
  account2,
  accountsSetting,
  callbackHeaders,
  CUSTOMER,
  deliveryReportBody,
  inboundSmsBody,
  localSecrets,
} from '../support/telesignFixtures';

type Vault = Awaited<ReturnType<typeof startFakeKeyVault>>;

let broker: EmbeddedBroker;
let vault: Vault;
let consumer: ServiceBusClient;
const logLines: string[] = [];

/** The app as Azure builds it, but on the embedded broker and with the real SecretClient against a local vault. */
function installApp() {
  const config = loadConfig({
    TELESIGN_ACCOUNTS: accountsSetting(account1, account2),
    KEY_VAULT_URL: vault.url,
    ServiceBusConnection: broker.connectionString,
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  });
  const client = createKeyVaultSecretClient({
    vaultUrl: vault.url,
    credential: staticTokenCredential,
    allowInsecureConnection: true,
    callDeadlineMs: 2000,
  });
  const secrets = createCachedSecretProvider(createKeyVaultSecretSource(client), { ttlMs: config.secretCacheTtlMs });
  useApp(buildApp(config, { secrets }));
}

beforeAll(async () => {
  broker = await EmbeddedBroker.start({ queues: [{ name: 'sms-inbound', requiresSession: true }] });
  vault = await startFakeKeyVault(localSecrets(account1, account2));
  consumer = new ServiceBusClient(broker.connectionString);
  installApp();
});

afterAll(async () => {
  await resetApp();
  await consumer.close();
  await broker.stop();
  await vault.close();
});

function context() {
  return new InvocationContext({
    invocationId: 'test',
    functionName: 'telesignCallback',
    logHandler: auditedLogHandler((line) => logLines.push(line)),
  });
}

async function post(body: string | Buffer, headers: Record<string, string>) {
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/telesign/callback',
    body: typeof body === 'string' ? { string: body } : { bytes: body },
    headers,
  });
  const response = await telesignCallback(request, context());
  return { status: response.status, body: response.jsonBody as Record<string, unknown> };
}

const signed = (body: string, account = account1) =>
  post(body, callbackHeaders(account.customerId, account.apiKey, body));

/** Everything waiting in one session; completes what it takes. */
async function drainSession(sessionId: string): Promise<ServiceBusReceivedMessage[]> {
  const receiver = await consumer.acceptSession('sms-inbound', sessionId);
  const all: ServiceBusReceivedMessage[] = [];
  for (;;) {
    const batch = await receiver.receiveMessages(10, { maxWaitTimeInMs: 300 });
    if (batch.length === 0) break;
    for (const m of batch) await receiver.completeMessage(m);
    all.push(...batch);
  }
  await receiver.close();
  return all;
}

let refSeq = 0;
const freshRef = () => `ABCDEF${String(++refSeq).padStart(26, '0')}`;

describe('telesignCallback', () => {
  it("queues a signed inbound SMS as one message.received in the thread's session", async () => {
    const body = inboundSmsBody({ referenceId: freshRef() });
    expect(await signed(body)).toEqual({ status: 200, body: {} });

    const threadId = threadIdOf(account1.customerId, '14252306549', CUSTOMER);
    const [message, ...rest] = await drainSession(threadId);
    expect(rest).toHaveLength(0);
    expect(message.sessionId).toBe(threadId);
    expect(message.contentType).toBe('application/json');
    expect(message.applicationProperties).toEqual({ eventType: 'message.received', schemaVersion: 1 });
    const event = inboundEventSchema.parse(message.body);
    expect(event).toMatchObject({ type: 'message.received', from: CUSTOMER, to: '14252306549', threadId });
    expect(message.messageId).toBe(event.eventId);
  });

  it('queues a signed delivery report as one delivery.reported', async () => {
    const ref = freshRef();
    expect((await signed(deliveryReportBody({ referenceId: ref }))).status).toBe(200);
    const messages = await drainSession(`ref-${ref}`);
    expect(messages.map((m) => inboundEventSchema.parse(m.body).type)).toEqual(['delivery.reported']);
  });

  it("names the message in the report's log line when the report echoes our external_id", async () => {
    const messageId = 'AbCdEfGhIjKlMnOpQrStUv.1.3';
    const echoing = (ref: string, externalId: string) =>
      JSON.stringify({ ...JSON.parse(deliveryReportBody({ referenceId: ref })), external_id: externalId });
    const [ours, foreign] = [freshRef(), freshRef()];
    expect((await signed(echoing(ours, messageId))).status).toBe(200);
    expect((await signed(echoing(foreign, 'not-one-of-ours'))).status).toBe(200);
    await drainSession(`ref-${ours}`);
    await drainSession(`ref-${foreign}`);
    const queued = (ref: string) => logLines.find((l) => l.includes('callback queued') && l.includes(ref));
    expect(queued(ours)).toContain(`"messageId":"${messageId}"`);
    expect(queued(foreign)).toBeDefined();
    expect(queued(foreign)).not.toContain('messageId');
  });

  it('verifies callbacks of either configured account', async () => {
    const body = inboundSmsBody({ referenceId: freshRef(), to: '447700900123', from: '447700900999' });
    expect((await signed(body, account2)).status).toBe(200);
    const threadId = threadIdOf(account2.customerId, '447700900123', '447700900999');
    expect(await drainSession(threadId)).toHaveLength(1);
  });

  it('queues the same callback posted three times once', async () => {
    const body = inboundSmsBody({ referenceId: freshRef(), from: '15555550177' });
    for (let i = 0; i < 3; i++) expect((await signed(body)).status).toBe(200);
    expect(await drainSession(threadIdOf(account1.customerId, '14252306549', '15555550177'))).toHaveLength(1);
  });

  describe('refuses with 401 invalid_signature and queues nothing', () => {
    const customer = '15555550188';
    const session = threadIdOf(account1.customerId, '14252306549', customer);
    const body = inboundSmsBody({ referenceId: 'FEEDFACE', from: customer });

    it.each([
      [
        'a tampered body',
        () => post(body.replace('arrived', 'arrive!'), callbackHeaders(account1.customerId, account1.apiKey, body)),
      ],
      ['a wrong customer id', () => post(body, callbackHeaders(account2.customerId, account1.apiKey, body))],
      [
        'an unknown customer id',
        () => post(body, callbackHeaders('99999999-0000-0000-0000-000000000000', account1.apiKey, body)),
      ],
      [
        'a missing Authorization header',
        () => {
          const { authorization: _a, ...headers } = callbackHeaders(account1.customerId, account1.apiKey, body);
          return post(body, headers);
        },
      ],
      [
        'a missing X-TS-Authorization header',
        () => {
          const { 'x-ts-authorization': _x, ...headers } = callbackHeaders(account1.customerId, account1.apiKey, body);
          return post(body, headers);
        },
      ],
    ])('%s', async (_name, send) => {
      const response = await send();
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: { code: 'invalid_signature', message: expect.any(String) } });
      expect(await drainSession(session)).toHaveLength(0);
    });
  });

  describe('refuses the right MAC in any but its canonical form with 401 invalid_signature, and queues nothing', () => {
    const customer = '15555550144';
    const session = threadIdOf(account1.customerId, '14252306549', customer);
    const cid = account1.customerId;
    let seq = 0;
    /**
     * A fresh body for each case (so a form accepted by mistake queues an event the broker's duplicate detection
     * cannot hide), whose signature holds a "/" or "+" so that its base64url spelling differs.
     */
    const signedBody = () => {
      for (;;) {
        const body = inboundSmsBody({ referenceId: `C0FFEE${++seq}`, from: customer });
        const canonical = callbackHeaders(cid, account1.apiKey, body);
        const sig = canonical['x-ts-authorization'];
        if (/[+/]/.test(sig)) return { body, canonical, sig };
      }
    };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const spellings: Array<[string, (sig: string) => string]> = [
      ['missing padding', (sig) => sig.slice(0, -1)],
      ['junk after the padding', (sig) => `${sig}junk`],
      ['base64url', (sig) => sig.replace(/\//g, '_').replace(/\+/g, '-')],
      ['an inserted non-base64 character', (sig) => `${sig.slice(0, 10)}*${sig.slice(10)}`],
      ['non-zero unused bits', (sig) => `${sig.slice(0, 42)}${alphabet[alphabet.indexOf(sig[42]) + 1]}=`],
    ];
    type Present = (c: { canonical: Record<string, string>; sig: string }) => Record<string, string>;

    it.each<[string, Present]>([
      ['TSA <cid>:<sig>:extra', ({ canonical, sig }) => ({ ...canonical, authorization: `TSA ${cid}:${sig}:extra` })],
      ['TSA <cid>::<sig>', ({ canonical, sig }) => ({ ...canonical, authorization: `TSA ${cid}::${sig}` })],
      ...spellings.flatMap(([name, spell]): Array<[string, Present]> => [
        [
          `${name} in both headers`,
          ({ canonical, sig }) => ({
            ...canonical,
            authorization: `TSA ${cid}:${spell(sig)}`,
            'x-ts-authorization': spell(sig),
          }),
        ],
        [`${name} in X-TS-Authorization`, ({ canonical, sig }) => ({ ...canonical, 'x-ts-authorization': spell(sig) })],
      ]),
      // A header given twice, as the Functions host (",") and the HttpRequest's Headers (", ") hand it over.
      [
        'Authorization twice, joined with ","',
        ({ canonical }) => ({ ...canonical, authorization: `${canonical.authorization},TSA ${cid}:x` }),
      ],
      [
        'Authorization twice, joined with ",", the second value junk',
        ({ canonical }) => ({ ...canonical, authorization: `${canonical.authorization},junk` }),
      ],
      [
        'Authorization twice, joined with ", "',
        ({ canonical }) => ({ ...canonical, authorization: `${canonical.authorization}, junk` }),
      ],
      [
        'X-TS-Authorization twice, joined with ","',
        ({ canonical, sig }) => ({ ...canonical, 'x-ts-authorization': `${sig},${sig}` }),
      ],
      [
        'X-TS-Authorization twice, joined with ", "',
        ({ canonical, sig }) => ({ ...canonical, 'x-ts-authorization': `${sig}, ${sig}` }),
      ],
    ])('%s', async (_name, present) => {
      const { body, canonical, sig } = signedBody();
      const response = await post(body, present({ canonical, sig }));
      const queued = await drainSession(session); // before any assertion, so that no case leaves work for the next
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: { code: 'invalid_signature', message: expect.any(String) } });
      expect(queued).toHaveLength(0);
    });

    it('and still queues the canonical form', async () => {
      const { body, canonical } = signedBody();
      expect(await post(body, canonical)).toEqual({ status: 200, body: {} });
      expect(await drainSession(session)).toHaveLength(1);
    });
  });

  it('queues authentic JSON of an unknown shape as callback.unrecognized with its raw body', async () => {
    const body = '{"event":"something Telesign added later","n":1}';
    expect(await signed(body)).toEqual({ status: 200, body: {} });
    const receiver = await consumer.acceptNextSession('sms-inbound', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    await receiver.completeMessage(message);
    await receiver.close();
    expect(inboundEventSchema.parse(message.body)).toMatchObject({ type: 'callback.unrecognized', rawBody: body });
  });

  it('answers 400 invalid_json to an authentic body that is not JSON', async () => {
    const response = await signed('status=200&reference_id=ABC');
    expect(response).toEqual({ status: 400, body: { error: { code: 'invalid_json', message: expect.any(String) } } });
  });

  it('answers 413 to a body over 64 KiB', async () => {
    const body = JSON.stringify({ padding: 'x'.repeat(64 * 1024) });
    const response = await signed(body);
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('answers 503 queue_unavailable while the broker is down, and queues the retry once it is back', async () => {
    const customer = '15555550166';
    const body = inboundSmsBody({ referenceId: freshRef(), from: customer });
    await signed(inboundSmsBody({ referenceId: freshRef(), from: '15555550165' })); // warm the key cache and the sender
    await broker.stop();
    try {
      const down = await signed(body);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ error: { code: 'queue_unavailable' } });
    } finally {
      await broker.resume();
    }
    expect((await signed(body)).status).toBe(200);
    expect(await drainSession(threadIdOf(account1.customerId, '14252306549', customer))).toHaveLength(1);
  });

  it('costs one Key Vault read for 100 callbacks', async () => {
    await resetApp();
    installApp();
    const before = vault.readCount(account1.apiKeySecretName);
    for (let i = 0; i < 100; i++) {
      expect(
        (
          await signed(
            deliveryReportBody({
              referenceId: 'AAAA0000',
              code: 203,
              updatedOn: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
            }),
          )
        ).status,
      ).toBe(200);
    }
    expect(vault.readCount(account1.apiKeySecretName) - before).toBe(1);
    await drainSession('ref-AAAA0000');
  });

  it('answers 503 secrets_unavailable when Key Vault is unreachable on a cold cache', async () => {
    await resetApp();
    installApp();
    await vault.stop();
    try {
      const response = await signed(inboundSmsBody({ referenceId: freshRef() }));
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ error: { code: 'secrets_unavailable' } });
    } finally {
      await vault.resume();
    }
  });

  it('logs no API key, signature or full phone number', () => {
    expect(logLines.length).toBeGreaterThan(10);
    const body = inboundSmsBody();
    const signature = callbackHeaders(account1.customerId, account1.apiKey, body)['x-ts-authorization'];
    const joined = logLines.join('\n');
    for (const secret of [account1.apiKey, account2.apiKey, signature, CUSTOMER, '14252306549', '447700900999']) {
      expect(joined).not.toContain(secret);
    }
    expect(joined).toContain('*******0100');
  });
});
