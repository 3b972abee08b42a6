import { loadConfig } from '../../shared/config';
import { createCachedSecretProvider, type SecretSource } from '../../shared/secrets';
import { createCallbackVerifier } from '../../shared/telesign/callbackVerifier';
import {
  account1,
  account2,
  accountsSetting,
  callbackHeaders,
  deliveryReportBody,
  localSecrets,
} from '../support/telesignFixtures';

/** A secret source that counts reads and whose values a test can rotate, like a vault an operator updates. */
function rotatableSource(initial: Record<string, string>) {
  const values = { ...initial };
  let reads = 0;
  const source: SecretSource = {
    async fetch(name) {
      reads++;
      return values[name];
    },
  };
  return { source, rotate: (name: string, value: string) => (values[name] = value), reads: () => reads };
}

function setup(now = () => 0) {
  const config = loadConfig({
    TELESIGN_ACCOUNTS: accountsSetting(account1, account2),
    LOCAL_SECRETS: JSON.stringify(localSecrets(account1, account2)),
    ServiceBusConnection: 'Endpoint=sb://localhost;SharedAccessKeyName=x;SharedAccessKey=y;UseDevelopmentEmulator=true',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  });
  const vault = rotatableSource(localSecrets(account1, account2));
  const secrets = createCachedSecretProvider(vault.source, { ttlMs: 600_000 });
  const verifier = createCallbackVerifier({ accounts: config.accounts, secrets, now, refreshIntervalMs: 60_000 });
  const verify = (body: string, headers: Record<string, string | undefined>) =>
    verifier.verify(Buffer.from(body), headers.authorization, headers['x-ts-authorization']);
  return { verify, vault };
}

describe('callback verification', () => {
  const body = deliveryReportBody();

  it("accepts a callback signed with the first account's key", async () => {
    const { verify } = setup();
    const result = await verify(body, callbackHeaders(account1.customerId, account1.apiKey, body));
    expect(result).toMatchObject({ ok: true, account: { customerId: account1.customerId } });
  });

  it("accepts a callback signed with the second account's key", async () => {
    const { verify } = setup();
    const result = await verify(body, callbackHeaders(account2.customerId, account2.apiKey, body));
    expect(result).toMatchObject({ ok: true, account: { customerId: account2.customerId } });
  });

  it('finds the account whatever the case of the customer id', async () => {
    const { verify } = setup();
    const result = await verify(body, callbackHeaders(account1.customerId.toLowerCase(), account1.apiKey, body));
    expect(result.ok).toBe(true);
  });

  it("refuses account 1's signature under account 2's customer id", async () => {
    const { verify } = setup();
    const result = await verify(body, callbackHeaders(account2.customerId, account1.apiKey, body));
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('signature') });
  });

  it('refuses a tampered body', async () => {
    const { verify } = setup();
    const headers = callbackHeaders(account1.customerId, account1.apiKey, body);
    expect((await verify(body.replace('200', '203'), headers)).ok).toBe(false);
  });

  it('refuses an unknown customer id', async () => {
    const { verify } = setup();
    const result = await verify(body, callbackHeaders('00000000-0000-0000-0000-000000000000', account1.apiKey, body));
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('customer id') });
  });

  it.each(['authorization', 'x-ts-authorization'])('refuses a callback without the %s header', async (header) => {
    const { verify } = setup();
    const headers: Record<string, string | undefined> = callbackHeaders(account1.customerId, account1.apiKey, body);
    delete headers[header];
    expect((await verify(body, headers)).ok).toBe(false);
  });

  it('refuses when the two headers carry different signatures', async () => {
    const { verify } = setup();
    const headers = callbackHeaders(account1.customerId, account1.apiKey, body);
    headers['x-ts-authorization'] = callbackHeaders(account1.customerId, account1.apiKey, body + ' ')[
      'x-ts-authorization'
    ];
    expect((await verify(body, headers)).ok).toBe(false);
  });

  it('follows a key rotated in the vault without waiting for the cache to expire', async () => {
    const { verify, vault } = setup();
    await verify(body, callbackHeaders(account1.customerId, account1.apiKey, body));
    const rotated = Buffer.from('a brand new key').toString('base64');
    vault.rotate(account1.apiKeySecretName, rotated);
    const result = await verify(body, callbackHeaders(account1.customerId, rotated, body));
    expect(result.ok).toBe(true);
    expect(vault.reads()).toBe(2);
  });

  it('re-reads a key at most once per interval however many forged callbacks arrive', async () => {
    let clock = 0;
    const { verify, vault } = setup(() => clock);
    const forged = callbackHeaders(account1.customerId, Buffer.from('forged').toString('base64'), body);
    for (let i = 0; i < 20; i++) expect((await verify(body, forged)).ok).toBe(false);
    expect(vault.reads()).toBe(2);
    clock += 60_000;
    await verify(body, forged);
    expect(vault.reads()).toBe(3);
  });

  it('answers secrets_unavailable, naming the secret, when the stored key is not standard base64', async () => {
    const { verify, vault } = setup();
    vault.rotate(account1.apiKeySecretName, 'not-base64_key');
    await expect(verify(body, callbackHeaders(account1.customerId, account1.apiKey, body))).rejects.toMatchObject({
      code: 'secrets_unavailable',
      message: expect.stringContaining(account1.apiKeySecretName),
    });
  });

  describe('accepts the right MAC only in its one canonical form', () => {
    /** A body whose signature holds a "/" or "+", so that its base64url spelling differs. */
    const body = (() => {
      for (let i = 0; ; i++) {
        const candidate = deliveryReportBody({ referenceId: `CAFE${i}` });
        if (/[+/]/.test(callbackHeaders(account1.customerId, account1.apiKey, candidate)['x-ts-authorization']))
          return candidate;
      }
    })();
    const cid = account1.customerId;
    const sig = callbackHeaders(cid, account1.apiKey, body)['x-ts-authorization'];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    /** The last character's 2 unused bits set to 01: the same 32 bytes to a lenient decoder. */
    const withUnusedBits = (s: string) => `${s.slice(0, 42)}${alphabet[alphabet.indexOf(s[42]) + 1]}=`;
    const spellings: Array<[string, (s: string) => string]> = [
      ['missing padding', (s) => s.slice(0, -1)],
      ['junk after the padding', (s) => `${s}junk`],
      ['base64 after the padding', (s) => `${s}AAAA`],
      ['base64url', (s) => s.replace(/\//g, '_').replace(/\+/g, '-')],
      ['an inserted non-base64 character', (s) => `${s.slice(0, 10)}*${s.slice(10)}`],
      ['an inserted space', (s) => `${s.slice(0, 10)} ${s.slice(10)}`],
      ['non-zero unused bits', withUnusedBits],
    ];
    const canonical = { authorization: `TSA ${cid}:${sig}`, 'x-ts-authorization': sig };
    const cases: Array<[string, Record<string, string>]> = [
      ['TSA <cid>:<sig>:extra', { ...canonical, authorization: `TSA ${cid}:${sig}:extra` }],
      ['TSA <cid>::<sig>', { ...canonical, authorization: `TSA ${cid}::${sig}` }],
      ['a lower-case scheme', { ...canonical, authorization: `tsa ${cid}:${sig}` }],
      ['two spaces after the scheme', { ...canonical, authorization: `TSA  ${cid}:${sig}` }],
      ...spellings.flatMap(([name, spell]): Array<[string, Record<string, string>]> => [
        [`${name} in both headers`, { authorization: `TSA ${cid}:${spell(sig)}`, 'x-ts-authorization': spell(sig) }],
        [`${name} in Authorization`, { ...canonical, authorization: `TSA ${cid}:${spell(sig)}` }],
        [`${name} in X-TS-Authorization`, { ...canonical, 'x-ts-authorization': spell(sig) }],
      ]),
      ['Authorization given twice (host join ",")', { ...canonical, authorization: `TSA ${cid}:${sig},TSA ${cid}:x` }],
      ['Authorization given twice (",", then junk)', { ...canonical, authorization: `TSA ${cid}:${sig},junk` }],
      ['Authorization given twice (Headers join ", ")', { ...canonical, authorization: `TSA ${cid}:${sig}, x` }],
      ['X-TS-Authorization given twice (",")', { ...canonical, 'x-ts-authorization': `${sig},${sig}` }],
      ['X-TS-Authorization given twice (", ")', { ...canonical, 'x-ts-authorization': `${sig}, junk` }],
    ];

    it('accepts the canonical form', async () => {
      const { verify } = setup();
      expect(await verify(body, canonical)).toMatchObject({ ok: true, account: { customerId: cid } });
    });

    it.each(spellings)('a lenient decoder reads %s as the same MAC', (_name, spell) => {
      expect(Buffer.from(spell(sig), 'base64').equals(Buffer.from(sig, 'base64'))).toBe(true);
      expect(spell(sig)).not.toBe(sig);
    });

    it.each(cases)('refuses the right MAC as %s', async (_name, headers) => {
      const { verify, vault } = setup();
      expect(await verify(body, headers)).toEqual({ ok: false, reason: expect.any(String) });
      // Refused on its form: no key was read for it.
      expect(vault.reads()).toBe(0);
    });
  });
});
