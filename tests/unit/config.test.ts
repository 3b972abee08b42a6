import { ConfigError, type Env, loadConfig } from '../../shared/config';
import { account1, account2, accountsSetting, localSecrets } from '../support/telesignFixtures';

const valid: Env = {
  TELESIGN_ACCOUNTS: accountsSetting(account1, account2),
  LOCAL_SECRETS: JSON.stringify(localSecrets(account1, account2)),
  ServiceBusConnection:
    'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

const expectConfigError = (env: Env, message: RegExp) => {
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(message);
};

describe('settings', () => {
  it('reads a local configuration with defaults', () => {
    const config = loadConfig(valid);
    expect(config.accounts).toHaveLength(2);
    expect(config.accounts[0].supportNumbers[0]).toMatchObject({ number: '14252306549', type: 'longcode' });
    expect(config.accounts[1].defaultSupportNumber).toBe('447700900123');
    expect(config.telesignApiBaseUrl).toBe('https://rest-api.telesign.com');
    expect(config.inboundQueueName).toBe('sms-inbound');
    expect(config.secretCacheTtlMs).toBe(600_000);
    expect(config.secrets).toEqual({ kind: 'local', secrets: localSecrets(account1, account2) });
  });

  it("reads Azure's identity-based settings", () => {
    const config = loadConfig({
      TELESIGN_ACCOUNTS: valid.TELESIGN_ACCOUNTS,
      KEY_VAULT_URL: 'https://kv-sms.vault.azure.net/',
      AZURE_CLIENT_ID: 'client-1',
      ServiceBusConnection__fullyQualifiedNamespace: 'sb-sms.servicebus.windows.net',
      ServiceBusConnection__clientId: 'client-1',
      AzureWebJobsStorage__tableServiceUri: 'https://stsms.table.core.windows.net',
      AzureWebJobsStorage__clientId: 'client-1',
    });
    expect(config.secrets).toEqual({
      kind: 'keyVault',
      vaultUrl: 'https://kv-sms.vault.azure.net/',
      clientId: 'client-1',
    });
    expect(config.serviceBus).toEqual({
      kind: 'identity',
      fullyQualifiedNamespace: 'sb-sms.servicebus.windows.net',
      clientId: 'client-1',
    });
    expect(config.tables).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://stsms.table.core.windows.net',
      clientId: 'client-1',
    });
  });

  it('names a missing setting', () =>
    expectConfigError({ ...valid, TELESIGN_ACCOUNTS: undefined }, /TELESIGN_ACCOUNTS is missing/));
  it('names a setting that is not JSON', () =>
    expectConfigError({ ...valid, TELESIGN_ACCOUNTS: '[{' }, /TELESIGN_ACCOUNTS is not valid JSON/));

  it('says which account field is wrong', () => {
    const accounts = JSON.parse(valid.TELESIGN_ACCOUNTS!);
    accounts[1].supportNumbers[0].number = '12';
    expectConfigError(
      { ...valid, TELESIGN_ACCOUNTS: JSON.stringify(accounts) },
      /TELESIGN_ACCOUNTS is invalid: 1\.supportNumbers\.0\.number/,
    );
  });

  it("refuses a default number that is not one of the account's numbers", () => {
    const accounts = JSON.parse(valid.TELESIGN_ACCOUNTS!);
    accounts[0].defaultSupportNumber = '14255550000';
    expectConfigError({ ...valid, TELESIGN_ACCOUNTS: JSON.stringify(accounts) }, /0\.defaultSupportNumber/);
  });

  it('refuses the same customer id twice', () => {
    expectConfigError({ ...valid, TELESIGN_ACCOUNTS: accountsSetting(account1, account1) }, /customerId appears twice/);
  });

  it('needs a vault or local secrets', () =>
    expectConfigError({ ...valid, LOCAL_SECRETS: undefined }, /KEY_VAULT_URL is missing/));
  it('needs a Service Bus connection', () =>
    expectConfigError(
      { ...valid, ServiceBusConnection: undefined },
      /ServiceBusConnection__fullyQualifiedNamespace is missing/,
    ));
  it('refuses a malformed Service Bus connection string', () =>
    expectConfigError(
      { ...valid, ServiceBusConnection: 'Server=x' },
      /ServiceBusConnection is not a Service Bus connection string/,
    ));
  it('needs table storage', () =>
    expectConfigError({ ...valid, AzureWebJobsStorage: undefined }, /AzureWebJobsStorage__tableServiceUri is missing/));
  it('refuses a bad cache TTL', () =>
    expectConfigError({ ...valid, SECRET_CACHE_TTL_SECONDS: 'ten' }, /SECRET_CACHE_TTL_SECONDS/));
  it('refuses a Telesign URL that is not http(s)', () =>
    expectConfigError({ ...valid, TELESIGN_API_BASE_URL: 'ftp://x' }, /TELESIGN_API_BASE_URL/));
});
