import { randomBytes } from 'node:crypto';

import { Webhook } from 'standardwebhooks';

import { LOCAL_WEBHOOK_SECRET, LOCAL_WEBHOOK_SECRET_NAME, localDefaults } from '../../local/localSettings';
import {
  localWebhookSecrets,
  MAX_WEBHOOK_BODY,
  type ReceivedDelivery,
  type RefusedDelivery,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../local/webhookReceiver';
import { registerSecret } from '../support/logAudit';

/**
 * The local webhook receiver of `npm run sms -- webhooks listen`: real HTTP on loopback, deliveries signed by the
 * `standardwebhooks` package as the channel signs them, and verified by it as a consumer would.
 */

const newSecret = () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  registerSecret(secret);
  return secret;
};

interface Sent {
  id?: string;
  at?: Date;
  body?: string;
  /** Signed with these; the header carries one signature each. */
  signWith?: string[];
  /** Sent instead of what was signed. */
  sentBody?: string;
  path?: string;
}

let counter = 0;
const payload = (data: object = {}) =>
  JSON.stringify({ type: 'message.received', timestamp: new Date().toISOString(), data });

async function post(url: string, sent: Sent): Promise<{ status: number; body: string }> {
  const id = sent.id ?? `ce-test-${++counter}`;
  const at = sent.at ?? new Date();
  const body = sent.body ?? payload({ conversationId: 'c-1' });
  const signature = (sent.signWith ?? []).map((s) => new Webhook(s).sign(id, at, body)).join(' ');
  const response = await fetch(new URL(sent.path ?? '/', url), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body: sent.sentBody ?? body,
  });
  return { status: response.status, body: await response.text() };
}

describe('the local webhook receiver', () => {
  const secret = newSecret();
  let receiver: WebhookReceiver;
  let delivered: ReceivedDelivery[];
  let refused: RefusedDelivery[];
  let status: number;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({
      port: 0,
      secrets: [secret],
      answer: () => status,
      onDelivery: (d) => delivered.push(d),
      onRefused: (r) => refused.push(r),
    });
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    delivered = [];
    refused = [];
    status = 204;
  });

  it('listens on loopback, on the port it was given (0: any free one)', () => {
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(receiver.url).not.toBe('http://127.0.0.1:0/');
  });

  it('reports a verified delivery and answers 204', async () => {
    const at = new Date();
    const body = payload({ conversationId: 'c-1', messageId: 'm-1', text: 'Hi' });
    const answer = await post(receiver.url, {
      id: 'ce-valid',
      at,
      body,
      signWith: [secret],
      path: '/hooks/sms?code=x',
    });
    expect(answer).toEqual({ status: 204, body: '' });
    expect(refused).toEqual([]);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      id: 'ce-valid',
      type: 'message.received',
      payload: JSON.parse(body),
      path: '/hooks/sms',
      duplicate: false,
    });
    expect(delivered[0].timestamp.getTime()).toBe(Math.floor(at.getTime() / 1000) * 1000);
    expect(Math.abs(delivered[0].receivedAt.getTime() - Date.now())).toBeLessThan(5000);
  });

  const expectRefused = async (sent: Sent, reason: RegExp) => {
    const answer = await post(receiver.url, sent);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'signature_invalid', message: expect.any(String) } });
    expect(delivered).toEqual([]);
    expect(refused).toEqual([expect.objectContaining({ status: 401, reason: expect.stringMatching(reason) })]);
  };

  it('refuses a tampered body with 401', () =>
    expectRefused(
      { body: payload({ text: 'pay 10' }), sentBody: payload({ text: 'pay 1000' }), signWith: [secret] },
      /no matching signature/i,
    ));

  it('refuses a signature ten minutes old with 401', () =>
    expectRefused({ at: new Date(Date.now() - 10 * 60_000), signWith: [secret] }, /too old/i));

  it('refuses a delivery signed with another secret with 401', () =>
    expectRefused({ signWith: [newSecret()] }, /no matching signature/i));

  it('refuses a delivery without a signature with 401', () => expectRefused({}, /missing required headers/i));

  it('answers what `answer` says, after verification: 500 for a failing endpoint', async () => {
    status = 500;
    expect((await post(receiver.url, { signWith: [secret] })).status).toBe(500);
    expect(delivered).toHaveLength(1);
    // Verification comes first: an unverified delivery is 401 whatever the endpoint plays.
    expect((await post(receiver.url, { signWith: [newSecret()] })).status).toBe(401);
    expect(delivered).toHaveLength(1);
  });

  it('flags the second copy of a webhook-id as a duplicate, and answers it as the first', async () => {
    expect((await post(receiver.url, { id: 'ce-twice', signWith: [secret] })).status).toBe(204);
    expect((await post(receiver.url, { id: 'ce-twice', signWith: [secret] })).status).toBe(204);
    expect((await post(receiver.url, { id: 'ce-once', signWith: [secret] })).status).toBe(204);
    expect(delivered.map((d) => [d.id, d.duplicate])).toEqual([
      ['ce-twice', false],
      ['ce-twice', true],
      ['ce-once', false],
    ]);
  });

  it('does not count a refused delivery as seen', async () => {
    await post(receiver.url, { id: 'ce-forged-first', signWith: [newSecret()] });
    await post(receiver.url, { id: 'ce-forged-first', signWith: [secret] });
    expect(delivered.map((d) => d.duplicate)).toEqual([false]);
  });

  it('answers 405 to anything but POST', async () => {
    const answer = await fetch(receiver.url);
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
    expect(refused).toEqual([expect.objectContaining({ status: 405 })]);
  });

  it('answers 413 to a body over 1 MiB, unread', async () => {
    const big = JSON.stringify({ type: 'message.received', data: { text: 'x'.repeat(MAX_WEBHOOK_BODY) } });
    expect((await post(receiver.url, { body: big, signWith: [secret] })).status).toBe(413);
    expect(refused).toEqual([expect.objectContaining({ status: 413 })]);
    expect(delivered).toEqual([]);
    // The connection is still good for the next delivery.
    expect((await post(receiver.url, { signWith: [secret] })).status).toBe(204);
  });

  it('answers 400 to an authentic body that is not JSON', async () => {
    expect((await post(receiver.url, { body: 'not json', signWith: [secret] })).status).toBe(400);
    expect(refused).toEqual([expect.objectContaining({ status: 400 })]);
  });
});

describe('the local webhook receiver while a secret is rotated', () => {
  const [previous, next] = [newSecret(), newSecret()];
  let receiver: WebhookReceiver;
  const delivered: string[] = [];
  beforeAll(async () => {
    const secrets = localWebhookSecrets({ LOCAL_SECRETS: JSON.stringify({ hook: `${previous} ${next}` }) }, 'hook');
    expect(secrets).toEqual([previous, next]);
    receiver = await startWebhookReceiver({ port: 0, secrets, onDelivery: (d) => delivered.push(d.id) });
  });
  afterAll(() => receiver.close());

  it('verifies a delivery signed with either secret, or with both', async () => {
    expect((await post(receiver.url, { id: 'ce-previous', signWith: [previous] })).status).toBe(204);
    expect((await post(receiver.url, { id: 'ce-next', signWith: [next] })).status).toBe(204);
    expect((await post(receiver.url, { id: 'ce-both', signWith: [previous, next] })).status).toBe(204);
    expect((await post(receiver.url, { id: 'ce-neither', signWith: [newSecret()] })).status).toBe(401);
    expect(delivered).toEqual(['ce-previous', 'ce-next', 'ce-both']);
  });
});

describe('the secret the receiver verifies with', () => {
  it('is in the built-in local settings, in the Standard Webhooks form with a 32-byte key', () => {
    const secrets = localWebhookSecrets(localDefaults, LOCAL_WEBHOOK_SECRET_NAME);
    expect(secrets).toEqual([LOCAL_WEBHOOK_SECRET]);
    expect(Buffer.from(LOCAL_WEBHOOK_SECRET.slice('whsec_'.length), 'base64')).toHaveLength(32);
  });

  it('is refused with a sentence naming the setting and the secret when it is missing', () => {
    expect(() => localWebhookSecrets({ LOCAL_SECRETS: '{"telesign-api-key":"x"}' }, 'webhook-local')).toThrow(
      /LOCAL_SECRETS .*no secret named webhook-local/,
    );
    expect(() => localWebhookSecrets({}, 'webhook-local')).toThrow(/LOCAL_SECRETS/);
    expect(() => localWebhookSecrets({ LOCAL_SECRETS: '{' }, 'webhook-local')).toThrow(/LOCAL_SECRETS is not JSON/);
  });

  it('must be a whsec_ secret, and the error does not show it', async () => {
    await expect(startWebhookReceiver({ port: 0, secrets: ['TOPSECRET-value'] })).rejects.toThrow(
      /^(?!.*TOPSECRET).*whsec_/,
    );
    await expect(startWebhookReceiver({ port: 0, secrets: [] })).rejects.toThrow(/at least one/);
  });
});
