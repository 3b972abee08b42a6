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
});
