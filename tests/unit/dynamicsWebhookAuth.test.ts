import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

import { createWebhookAuthenticator, type WebhookAuthResult } from '../../shared/dynamics/webhookAuth';

const TENANT = '8a0e3b3c-1d2f-4e5a-9b6c-7d8e9f0a1b2c';
const APP = '0b7e6d5c-4b3a-4291-8f7e-6d5c4b3a2910';
const V2_ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const V1_ISSUER = `https://sts.windows.net/${TENANT}/`;
const NOW = new Date('2026-03-01T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

type Key = Awaited<ReturnType<typeof generateKeyPair>>;
let key: Key;
let otherKey: Key;
let jwk: JWK;

beforeAll(async () => {
  key = await generateKeyPair('RS256');
  otherKey = await generateKeyPair('RS256');
  jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
});

const authenticator = () =>
  createWebhookAuthenticator({
    issuers: [V1_ISSUER, V2_ISSUER],
    audiences: [`api://${APP}`, APP],
    tenantId: TENANT.toUpperCase(),
    appIds: [APP],
    clockSkewSeconds: 300,
    keys: { jwks: { keys: [jwk] } },
    now: () => NOW,
  });

function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: V2_ISSUER,
    aud: `api://${APP}`,
    tid: TENANT,
    azp: APP,
    iat: nowSeconds - 60,
    nbf: nowSeconds - 60,
    exp: nowSeconds + 3600,
    ...overrides,
  };
}

function sign(payload: JWTPayload, options: { with?: Key; kid?: string } = {}): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? 'k1' })
    .sign((options.with ?? key).privateKey);
}

async function verify(header: string | undefined): Promise<WebhookAuthResult> {
  return authenticator().verify(header);
}

const refused = (reason: string) => ({ ok: false, kind: 'invalid', reason });

describe('webhook token check', () => {
  it('accepts a v2 token for the app, returning its claims', async () => {
    const result = await verify(`Bearer ${await sign(claims())}`);
    expect(result).toMatchObject({ ok: true, claims: { tid: TENANT, azp: APP } });
  });

  it('accepts a v1 token (appid, sts.windows.net issuer, bare app id audience)', async () => {
    const token = await sign(claims({ iss: V1_ISSUER, aud: APP, azp: undefined, appid: APP }));
    expect(await verify(`bearer ${token}`)).toMatchObject({ ok: true });
  });

  it('allows the clock skew on both ends', async () => {
    expect(await verify(`Bearer ${await sign(claims({ exp: nowSeconds - 200 }))}`)).toMatchObject({ ok: true });
    expect(await verify(`Bearer ${await sign(claims({ nbf: nowSeconds + 200 }))}`)).toMatchObject({ ok: true });
  });

  it.each([
    [undefined, 'missing_token'],
    ['', 'missing_token'],
    ['Basic dXNlcjpwYXNz', 'malformed_header'],
    ['Bearer', 'malformed_header'],
    ['Bearer a b', 'malformed_header'],
    [`Bearer ${'x'.repeat(20_000)}`, 'malformed_header'],
    ['Bearer not-a-jwt', 'malformed_token'],
  ])('refuses the header %j as %s', async (header, reason) => {
    expect(await verify(header)).toMatchObject(refused(reason));
  });

  it.each([
    ['expired', claims({ exp: nowSeconds - 301 })],
    ['not_yet_valid', claims({ nbf: nowSeconds + 301 })],
    ['wrong_audience', claims({ aud: 'api://someone-else' })],
    ['wrong_issuer', claims({ iss: 'https://login.microsoftonline.com/common/v2.0' })],
    ['wrong_tenant', claims({ tid: '11111111-2222-3333-4444-555555555555' })],
    ['wrong_tenant', claims({ tid: undefined })],
    ['wrong_app', claims({ azp: '99999999-2222-3333-4444-555555555555' })],
    ['wrong_app', claims({ azp: undefined })],
    ['malformed_token', claims({ exp: undefined })],
  ])('refuses a token as %s', async (reason, payload) => {
    expect(await verify(`Bearer ${await sign(payload)}`)).toMatchObject(refused(reason));
  });

  it('refuses a token signed with another key under a known key id, and one under an unknown key id', async () => {
    expect(await verify(`Bearer ${await sign(claims(), { with: otherKey })}`)).toMatchObject(refused('bad_signature'));
    expect(await verify(`Bearer ${await sign(claims(), { with: otherKey, kid: 'k9' })}`)).toMatchObject(
      refused('unknown_key'),
    );
  });

  it('refuses a token signed with a shared secret or with no signature at all', async () => {
    const hs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));
    expect(await verify(`Bearer ${hs}`)).toMatchObject(refused('algorithm_not_allowed'));
    const [header, payload] = (await sign(claims())).split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    expect(await verify(`Bearer ${none}.${payload}.`)).toMatchObject({ ok: false, kind: 'invalid' });
    expect(await verify(`Bearer ${header}.${payload}.`)).toMatchObject({ ok: false, kind: 'invalid' });
  });

  it('never quotes the token in its reason', async () => {
    const token = await sign(claims({ aud: 'api://someone-else' }));
    const result = await verify(`Bearer ${token}`);
    expect(JSON.stringify(result)).not.toContain(token.split('.')[1]);
  });
});
