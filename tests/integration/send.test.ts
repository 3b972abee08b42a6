jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { SANDBOX_ACCOUNT } from '../../local/localSettings';
import { threadIdOf } from '../../shared/domain/threadId';
import { createServiceBusPublisher } from '../../shared/queue/eventPublisher';
import {
  createCachedSecretProvider,
  createKeyVaultSecretClient,
  createKeyVaultSecretSource,
} from '../../shared/secrets';
import { createConversationReader } from '../../shared/storage/conversationRows';
import { createTableClient } from '../../shared/storage/tableClients';
import { createThreadStore } from '../../shared/storage/threadStore';
import { parseCallback } from '../../shared/telesign/callbackParser';
import { type ChannelHarness, eventually, startChannelHarness } from '../support/channelHarness';
import { startFakeKeyVault, staticTokenCredential } from '../support/fakeKeyVault';
import { recordFigures } from '../support/figures';
import { inboundSmsBody } from '../support/telesignFixtures';
import { messagesOf } from '../support/threadMessages';

const SUPPORT = SANDBOX_ACCOUNT.supportNumber;
let h: ChannelHarness;
let vault: Awaited<ReturnType<typeof startFakeKeyVault>>;
let threads: ReturnType<typeof createThreadStore>;
let conversations: ReturnType<typeof createConversationReader>;

beforeAll(async () => {
  vault = await startFakeKeyVault({ [SANDBOX_ACCOUNT.apiKeySecretName]: SANDBOX_ACCOUNT.apiKey });
  const client = createKeyVaultSecretClient({
    vaultUrl: vault.url,
    credential: staticTokenCredential,
    allowInsecureConnection: true,
    callDeadlineMs: 1500,
  });
  h = await startChannelHarness({
    env: { KEY_VAULT_URL: vault.url },
    secrets: createCachedSecretProvider(createKeyVaultSecretSource(client)),
  });
  const threadsTable = createTableClient(
    { kind: 'connectionString', connectionString: h.channel.env.AzureWebJobsStorage! },
    'threads',
  );
  threads = createThreadStore(threadsTable);
  conversations = createConversationReader(threadsTable);
});

afterAll(async () => {
  await h.stop();
  await vault.close();
});

let customerSeq = 400;
const newCustomer = () => `1555555${String(++customerSeq).padStart(4, '0')}`;
const sandbox = () => h.channel.sandbox!;
const sentTo = (customer: string) =>
  sandbox()
    .sent()
    .filter((m) => m.phoneNumber === customer);

/** A customer texts in through the sandbox; resolves with the conversation id once the router has it. */
async function customerTexts(customer: string, text: string): Promise<string> {
  const { callbackStatus } = await sandbox().simulateInbound({ from: customer, to: SUPPORT, text });
  expect(callbackStatus).toBe(200);
  const threadId = threadIdOf(SANDBOX_ACCOUNT.customerId, SUPPORT, customer);
  const state = await eventually(
    () => threads.read(threadId),
    (s) => s.thread?.conversation !== undefined,
  );
  return `${threadId}.${state.thread!.conversation!.n}`;
}

async function storedMessage(messageId: string) {
  const [threadId, n, m] = messageId.split('.');
  return (await threads.readMessage(threadId, Number(n), Number(m))).message!;
}

describe('POST /api/messages', () => {
  it('sends a reply through Telesign and follows it to delivered', async () => {
    const customer = newCustomer();
    const conversationId = await customerTexts(customer, 'Where is my parcel?');
    const response = await h.api('POST', '/api/messages', { conversationId, text: 'It left our depot this morning.' });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({
      conversationId,
      status: 'sent',
      segments: 1,
      encoding: 'GSM-7',
      referenceId: expect.stringMatching(/^[0-9A-F]{32}$/),
    });

    const [sent] = sentTo(customer);
    expect(sent).toMatchObject({
      phoneNumber: customer,
      message: 'It left our depot this morning.',
      messageType: 'ARN',
      senderId: SUPPORT,
      externalId: response.body.messageId,
      referenceId: response.body.referenceId,
    });
    expect(await storedMessage(response.body.messageId)).toMatchObject({
      direction: 'outbound',
      status: 'sent',
      referenceId: response.body.referenceId,
    });

    const delivered = await eventually(
      () => storedMessage(response.body.messageId),
      (m) => m.status === 'delivered',
    );
    expect(delivered.status).toBe('delivered');
    expect(delivered.timeline!.map((t) => t.status)).toEqual(['queued', 'sent', 'sent', 'delivered']);
  });

  it('texts a customer first, starting a conversation', async () => {
    const customer = newCustomer();
    const response = await h.api('POST', '/api/messages', {
      to: `+${customer}`,
      from: SUPPORT,
      text: 'Your order has shipped 📦',
    });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({
      conversationId: `${threadIdOf(SANDBOX_ACCOUNT.customerId, SUPPORT, customer)}.1`,
      encoding: 'UCS-2',
      ucs2Characters: ['📦'],
    });
    expect(sentTo(customer)).toHaveLength(1);
  });

  it('sends once for the same Idempotency-Key, also concurrently, and answers the same', async () => {
    const customer = newCustomer();
    const conversationId = await customerTexts(customer, 'hi');
    const headers = { 'idempotency-key': `reply-${customer}` };
    const body = { conversationId, text: 'Only once, please.' };
    const [a, b] = await Promise.all([
      h.api('POST', '/api/messages', body, headers),
      h.api('POST', '/api/messages', body, headers),
    ]);
    const c = await h.api('POST', '/api/messages', body, headers);
    expect(sentTo(customer)).toHaveLength(1);
    for (const r of [a, b, c]) expect(r.status).toBe(202);
    expect(b.body.messageId).toBe(a.body.messageId);
    expect(c.body.messageId).toBe(a.body.messageId);
    expect(b.body.referenceId).toBe(a.body.referenceId);

    const other = await h.api('POST', '/api/messages', { conversationId, text: 'Something else' }, headers);
    expect(other).toMatchObject({ status: 409, body: { error: { code: 'idempotency_conflict' } } });
  });

  describe('refuses', () => {
    it.each([
      ['empty text', { text: '' }, /0 characters/],
      ['text over 1600 characters', { text: 'x'.repeat(1601) }, /1601 characters/],
    ])('%s with 400 text_invalid naming the length', async (_name, body, length) => {
      const response = await h.api('POST', '/api/messages', { to: '+15555550100', ...body });
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'text_invalid', message: expect.stringMatching(length) });
    });

    it('a bad number with 400 phone_invalid', async () => {
      const response = await h.api('POST', '/api/messages', { to: '12345', text: 'hi' });
      expect(response).toMatchObject({ status: 400, body: { error: { code: 'phone_invalid' } } });
    });

    it('a body that is not JSON with 400 invalid_json', async () => {
      expect(await h.api('POST', '/api/messages', '{nope')).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_json' } },
      });
    });

    it('an unknown conversation with 404', async () => {
      const response = await h.api('POST', '/api/messages', { conversationId: 'AAAAAAAAAAAAAAAAAAAAAA.1', text: 'hi' });
      expect(response).toMatchObject({ status: 404, body: { error: { code: 'conversation_not_found' } } });
    });

    it('a request without the function key with 401', async () => {
      const response = await h.api(
        'POST',
        '/api/messages',
        { to: '+15555550100', text: 'hi' },
        { 'x-functions-key': 'wrong' },
      );
      expect(response.status).toBe(401);
    });

    it('a text over maxSegments with 422 too_many_segments before anything is sent', async () => {
      const customer = newCustomer();
      const response = await h.api('POST', '/api/messages', {
        to: customer,
        text: 'é'.repeat(100) + '€'.repeat(100),
        maxSegments: 1,
      });
      expect(response).toMatchObject({
        status: 422,
        body: { error: { code: 'too_many_segments', details: { segments: 2 } } },
      });
      expect(sentTo(customer)).toHaveLength(0);
    });

    it('an opted-out recipient with 409, and Telesign gets nothing', async () => {
      const customer = newCustomer();
      const conversationId = await customerTexts(customer, 'STOP');
      await eventually(
        async () => sentTo(customer).length,
        (n) => n === 1,
      ); // the opt-out confirmation
      const response = await h.api('POST', '/api/messages', { conversationId, text: 'Are you sure?' });
      expect(response).toMatchObject({ status: 409, body: { error: { code: 'recipient_opted_out' } } });
      expect(sentTo(customer).map((m) => m.message)).toEqual([expect.stringContaining('no longer receive')]);
    });
  });

  describe('when Telesign', () => {
    it("refuses the message (400), answers 422 with Telesign's code", async () => {
      const response = await h.api('POST', '/api/messages', { to: '+683 1234', from: SUPPORT, text: 'Kia orana' });
      expect(response.status).toBe(422);
      expect(response.body.error).toMatchObject({ code: 'telesign_rejected', details: { telesignCode: 11000 } });
      expect(await storedMessage(response.body.error.details.messageId)).toMatchObject({
        status: 'failed',
        failureCode: 'telesign_rejected',
      });
    });

    // Each fault case records what it injected and found for the reliability figures: the SMS Telesign took for
    // the customer, and whether the message was still `queued` once answered.
    const queued = async (messageId: string) => ((await storedMessage(messageId)).status === 'queued' ? 1 : 0);

    it('fails (5xx), answers 502', async () => {
      const customer = newCustomer();
      sandbox().injectFaults([{ status: 500 }]);
      const response = await h.api('POST', '/api/messages', { to: customer, text: 'hi' });
      expect(response).toMatchObject({ status: 502, body: { error: { code: 'telesign_failed' } } });
      recordFigures('send', {
        'fault: Telesign 500': 1,
        'SMS sent': sentTo(customer).length,
        'left queued': await queued(response.body.error.details.messageId),
      });
    });

    it('rate limits once, the send is retried and succeeds', async () => {
      const customer = newCustomer();
      sandbox().injectFaults([{ status: 429, retryAfterSeconds: 1 }]);
      const response = await h.api('POST', '/api/messages', { to: customer, text: 'hi' });
      expect(response.status).toBe(202);
      recordFigures('send', {
        'fault: Telesign 429': 1,
        'SMS sent': sentTo(customer).length,
        lost: sentTo(customer).length === 0 ? 1 : 0,
        'sent twice': Math.max(0, sentTo(customer).length - 1),
        'left queued': await queued(response.body.messageId),
      });
      expect(sentTo(customer)).toHaveLength(1);
    });

    it('keeps rate limiting, answers 503 and the message is failed, not queued', async () => {
      const customer = newCustomer();
      const faults = [{ status: 429 as const }, { status: 429 as const }, { status: 429 as const }];
      sandbox().injectFaults(faults);
      const response = await h.api('POST', '/api/messages', { to: customer, text: 'hi' });
      expect(response).toMatchObject({ status: 503, body: { error: { code: 'telesign_unavailable' } } });
      recordFigures('send', {
        'fault: Telesign 429': faults.length,
        'SMS sent': sentTo(customer).length,
        'left queued': await queued(response.body.error.details.messageId),
      });
      expect(await storedMessage(response.body.error.details.messageId)).toMatchObject({ status: 'failed' });
      expect(sentTo(customer)).toHaveLength(0);
    });

    it('does not answer in time, the message is unknown, not resent, and the answer says so', async () => {
      const customer = newCustomer();
      sandbox().injectFaults([{ hang: true }]);
      const headers = { 'idempotency-key': `hang-${customer}` };
      const response = await h.api('POST', '/api/messages', { to: customer, text: 'hi' }, headers);
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({ status: 'unknown', note: expect.stringContaining('not resent') });
      const again = await h.api('POST', '/api/messages', { to: customer, text: 'hi' }, headers);
      recordFigures('send', {
        'fault: Telesign hang': 1,
        'SMS sent': sentTo(customer).length,
        'sent twice': Math.max(0, sentTo(customer).length - 1),
        'left queued': await queued(response.body.messageId),
      });
      expect(again.body).toMatchObject({ messageId: response.body.messageId, status: 'unknown' });
      expect(sentTo(customer)).toHaveLength(0);
      expect(await storedMessage(response.body.messageId)).toMatchObject({ status: 'unknown' });
    });
  });

  describe('Key Vault', () => {
    it('costs one secret read for 100 sends', async () => {
      const customer = newCustomer();
      const conversationId = await customerTexts(customer, 'hello');
      const before = vault.readCount(SANDBOX_ACCOUNT.apiKeySecretName);
      for (let i = 0; i < 100; i++)
        expect((await h.api('POST', '/api/messages', { conversationId, text: `update ${i}` })).status).toBe(202);
      expect(vault.readCount(SANDBOX_ACCOUNT.apiKeySecretName) - before).toBeLessThanOrEqual(1);
      expect(sentTo(customer)).toHaveLength(100);
    });

    it('follows a rotated key: Telesign answers 401, one refresh, one retry, no restart', async () => {
      const rotated = Buffer.from('rotated sandbox key').toString('base64');
      sandbox().setApiKey(SANDBOX_ACCOUNT.customerId, rotated);
      vault.setSecret(SANDBOX_ACCOUNT.apiKeySecretName, rotated);
      const before = vault.readCount(SANDBOX_ACCOUNT.apiKeySecretName);
      const customer = newCustomer();
      expect((await h.api('POST', '/api/messages', { to: customer, text: 'after rotation' })).status).toBe(202);
      expect(vault.readCount(SANDBOX_ACCOUNT.apiKeySecretName) - before).toBe(1);
      expect(sentTo(customer)).toHaveLength(1);
    });

    it('unreachable: 503 secrets_unavailable, nothing sent, the message recorded failed with the reason', async () => {
      const customer = newCustomer();
      await vault.stop();
      try {
        // A 401 from Telesign makes us drop the cached key and go to the (unreachable) vault.
        sandbox().setApiKey(SANDBOX_ACCOUNT.customerId, Buffer.from('yet another key').toString('base64'));
        const response = await h.api('POST', '/api/messages', { to: customer, text: 'hi' });
        expect(response).toMatchObject({ status: 503, body: { error: { code: 'secrets_unavailable' } } });
        recordFigures('send', {
          'fault: Key Vault down': 1,
          'SMS sent': sentTo(customer).length,
          'left queued': (await storedMessage(response.body.error.details.messageId)).status === 'queued' ? 1 : 0,
        });
        expect(sentTo(customer)).toHaveLength(0);
        expect(await storedMessage(response.body.error.details.messageId)).toMatchObject({
          status: 'failed',
          failureCode: 'secrets_unavailable',
        });
      } finally {
        await vault.resume();
      }
    });
  });

  describe('POST /api/telesign/validate', () => {
    it('says valid for the sandbox account with its current key, and why not for a wrong one', async () => {
      const key = Buffer.from('validated key').toString('base64');
      sandbox().setApiKey(SANDBOX_ACCOUNT.customerId, key);
      vault.setSecret(SANDBOX_ACCOUNT.apiKeySecretName, key);
      const admin = { 'x-functions-key': h.channel.adminKey };
      expect(await h.api('POST', '/api/telesign/validate', {}, admin)).toMatchObject({
        status: 200,
        body: { valid: true },
      });
      vault.setSecret(SANDBOX_ACCOUNT.apiKeySecretName, Buffer.from('wrong').toString('base64'));
      const wrong = await h.api('POST', '/api/telesign/validate', { customerId: SANDBOX_ACCOUNT.customerId }, admin);
      expect(wrong).toMatchObject({ status: 200, body: { valid: false, reason: expect.any(String) } });
      expect((await h.api('POST', '/api/telesign/validate', {})).status).toBe(401);
      vault.setSecret(SANDBOX_ACCOUNT.apiKeySecretName, key);
      expect(await h.api('POST', '/api/telesign/validate', {}, admin)).toMatchObject({
        status: 200,
        body: { valid: true },
      });
    });
  });
});

describe('automatic replies', () => {
  it('STOP sends the opt-out confirmation once, even when the event is delivered twice', async () => {
    const customer = newCustomer();
    const { referenceId } = await sandbox().simulateInbound({ from: customer, to: SUPPORT, text: 'Stop' });
    await eventually(
      async () => sentTo(customer).length,
      (n) => n >= 1,
    );
    // The same event again past the broker's duplicate window: the router sees it applied, and the reply's
    // idempotency key keeps it from going out twice.
    const body = inboundSmsBody({ from: customer, to: SUPPORT, text: 'Stop', referenceId });
    const [account] = h.channel.app.config.accounts;
    const { event } = parseCallback(body, JSON.parse(body), { account, receivedAt: new Date().toISOString() });
    const publisher = createServiceBusPublisher(h.channel.serviceBusClient, 'sms-inbound');
    await publisher.publish({
      event,
      messageId: `${event.eventId}-redelivered`,
      sessionId: threadIdOf(account.customerId, SUPPORT, customer),
    });
    await publisher.close();
    const marker = await sandbox().simulateInbound({ from: customer, to: SUPPORT, text: 'thanks' });
    expect(marker.callbackStatus).toBe(200);
    const threadId = threadIdOf(SANDBOX_ACCOUNT.customerId, SUPPORT, customer);
    await eventually(
      () => messagesOf(conversations, threadId, 1),
      (m) => m.some((x) => x.text === 'thanks'),
    );
    expect(sentTo(customer).map((m) => m.message)).toEqual([expect.stringContaining('no longer receive')]);
  });
});

describe('logs', () => {
  it('carry masked numbers only', () => {
    const joined = h.logs.join('\n');
    expect(joined).toContain('****');
    expect(joined).not.toMatch(/1555555\d{4}/);
    expect(joined).not.toContain(SANDBOX_ACCOUNT.apiKey);
  });
});
