import { randomBytes } from 'node:crypto';

import { Webhook, WebhookVerificationError } from 'standardwebhooks';

import { signDelivery, WebhookSecretError } from '../../shared/webhooks/signature';

const secretOf = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;
const current = secretOf(32);
const next = secretOf(32);

const body = JSON.stringify({
  type: 'message.received',
  timestamp: '2026-12-07T10:00:00.000Z',
  data: { conversationId: 'T1.1', text: 'Hello ✓ — ünïcødé' },
});
const id = 'ce-0123456789abcdef0123456789abcdef01234567';

/** As a subscriber does it: the library, the raw body, the headers as they arrived. */
const verify = (secret: string, payload: string, headers: Record<string, string>) =>
  new Webhook(secret).verify(payload, headers);

describe('signDelivery', () => {
  it('gives the three Standard Webhooks headers', () => {
    const timestamp = new Date('2026-12-07T10:00:00.987Z');
    const headers = signDelivery({ id, timestamp, body, secrets: [current] });
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['webhook-id']).toBe(id);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(timestamp.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('is verified by the standardwebhooks package, which gives back the body', () => {
    const headers = signDelivery({ id, timestamp: new Date(), body, secrets: [current] });
    expect(verify(current, body, headers)).toEqual(JSON.parse(body));
  });

  it('is verified whatever case the headers arrive in', () => {
    const headers = signDelivery({ id, timestamp: new Date(), body, secrets: [current] });
    const shouted = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verify(current, body, shouted)).toEqual(JSON.parse(body));
  });

  it('fails verification when the body was tampered with', () => {
    const headers = signDelivery({ id, timestamp: new Date(), body, secrets: [current] });
    const tampered = body.replace('Hello', 'Hallo');
    expect(() => verify(current, tampered, headers)).toThrow(WebhookVerificationError);
    expect(() => verify(current, `${body} `, headers)).toThrow('No matching signature found');
  });

  it('fails verification when the id or the timestamp was changed after signing', () => {
    const headers = signDelivery({ id, timestamp: new Date(), body, secrets: [current] });
    expect(() => verify(current, body, { ...headers, 'webhook-id': 'ce-other' })).toThrow(
      'No matching signature found',
    );
    const moved = String(Number(headers['webhook-timestamp']) - 1);
    expect(() => verify(current, body, { ...headers, 'webhook-timestamp': moved })).toThrow(
      'No matching signature found',
    );
  });

  it('fails verification with an old timestamp, past the package tolerance of five minutes', () => {
    const old = new Date(Date.now() - 6 * 60 * 1000);
    const headers = signDelivery({ id, timestamp: old, body, secrets: [current] });
    expect(() => verify(current, body, headers)).toThrow('Message timestamp too old');
  });

  it('fails verification with the wrong secret', () => {
    const headers = signDelivery({ id, timestamp: new Date(), body, secrets: [current] });
    expect(() => verify(secretOf(32), body, headers)).toThrow('No matching signature found');
  });

  it('signs with both secrets while one is rotated, and each verifies alone', () => {
    const headers = signDelivery({ id, timestamp: new Date(), body, secrets: [current, next] });
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    signatures.forEach((s) => expect(s).toMatch(/^v1,/));
    expect(verify(current, body, headers)).toEqual(JSON.parse(body));
    expect(verify(next, body, headers)).toEqual(JSON.parse(body));
    expect(verify(current, body, { ...headers, 'webhook-signature': signatures[0] })).toEqual(JSON.parse(body));
    expect(verify(next, body, { ...headers, 'webhook-signature': signatures[1] })).toEqual(JSON.parse(body));
    expect(() => verify(next, body, { ...headers, 'webhook-signature': signatures[0] })).toThrow(
      'No matching signature found',
    );
    expect(() => verify(secretOf(32), body, headers)).toThrow('No matching signature found');
  });

  it('signs the same attempt the same way, and a retry under the same id anew', () => {
    const timestamp = new Date();
    const first = signDelivery({ id, timestamp, body, secrets: [current] });
    expect(signDelivery({ id, timestamp, body, secrets: [current] })).toEqual(first);
    const retry = signDelivery({ id, timestamp: new Date(timestamp.getTime() + 5000), body, secrets: [current] });
    expect(retry['webhook-id']).toBe(id);
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
    expect(verify(current, body, retry)).toEqual(JSON.parse(body));
  });

  it('gives one signature when the same secret is given twice', () => {
    const headers = signDelivery({ id, timestamp: new Date(), body, secrets: [current, current] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(1);
  });

  it('accepts keys of 24 to 64 bytes, as the specification asks', () => {
    for (const secret of [secretOf(24), secretOf(25), secretOf(64)]) {
      const headers = signDelivery({ id, timestamp: new Date(), body, secrets: [secret] });
      expect(verify(secret, body, headers)).toEqual(JSON.parse(body));
    }
  });

  it.each([
    ['no prefix', randomBytes(32).toString('base64')],
    ['another prefix', `whsk_${randomBytes(32).toString('base64')}`],
    ['base64url', `whsec_${Buffer.from(Array(32).fill(0xfb)).toString('base64url')}`],
    ['bad padding', `whsec_${randomBytes(32).toString('base64').replace(/=$/, '')}`],
    ['a space', `whsec_ ${randomBytes(32).toString('base64')}`],
    ['nothing after the prefix', 'whsec_'],
    ['empty', ''],
  ])('refuses a secret with %s, without showing it', (_, secret) => {
    let thrown: unknown;
    try {
      signDelivery({ id, timestamp: new Date(), body, secrets: [secret] });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(WebhookSecretError);
    const message = (thrown as Error).message;
    expect(message).toMatch(
      /^The webhook signing secret (is not in the Standard Webhooks form whsec_<base64 key>|holds a 0-byte key)/,
    );
    if (secret.length > 6) expect(message).not.toContain(secret.slice(6, 20));
  });

  it.each([16, 23, 65])('refuses a %i-byte key', (bytes) => {
    expect(() => signDelivery({ id, timestamp: new Date(), body, secrets: [secretOf(bytes)] })).toThrow(
      `The webhook signing secret holds a ${bytes}-byte key; the Standard Webhooks specification asks for 24 to 64 bytes.`,
    );
  });

  it('says which of two secrets is wrong', () => {
    expect(() => signDelivery({ id, timestamp: new Date(), body, secrets: [current, 'hunter2'] })).toThrow(
      'Webhook signing secret 2 of 2 is not in the Standard Webhooks form',
    );
  });

  it('refuses to sign with no secret', () => {
    expect(() => signDelivery({ id, timestamp: new Date(), body, secrets: [] })).toThrow(
      'A webhook delivery needs at least one signing secret.',
    );
  });

  it.each(['', 'has space', 'new\nline', 'ü', 'x'.repeat(256)])('refuses the id %j', (bad) => {
    expect(() => signDelivery({ id: bad, timestamp: new Date(), body, secrets: [current] })).toThrow(RangeError);
  });

  it('refuses an invalid date', () => {
    expect(() => signDelivery({ id, timestamp: new Date('not a date'), body, secrets: [current] })).toThrow(
      'The webhook timestamp is not a valid date.',
    );
  });

  it('signs an empty body, which the package verifies without parsing', () => {
    const headers = signDelivery({ id, timestamp: new Date(), body: '', secrets: [current] });
    expect(verify(current, '', headers)).toBeUndefined();
    expect(() => verify(current, '{}', headers)).toThrow('No matching signature found');
  });
});
