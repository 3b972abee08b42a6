import { DynamicsSettingError, type Env, readDynamicsSettings } from '../../shared/dynamics/settings';

const TENANT = '72F988BF-86F1-41AF-91AB-2D7CD011DB47';
const APP = '0b7e6d5c-4b3a-4291-8f7e-6d5c4b3a2910';

const minimal: Env = {
  DYNAMICS_MESSAGING_URL: 'https://m-5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f.us.omnichannelengagementhub.com/',
  DYNAMICS_ORGANIZATION_ID: '5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
  DYNAMICS_CHANNEL_ID: 'c4a3b2d1-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  DYNAMICS_TENANT_ID: TENANT,
  DYNAMICS_APP_ID: APP,
  DYNAMICS_TOKEN_SCOPE: 'https://5f1c2d3e4a5b4c6d8e7f9a0b1c2d3e4f-c.crm.dynamics.com/.default',
};

const expectSettingError = (env: Env, setting: string, message: RegExp) => {
  let thrown: unknown;
  try {
    readDynamicsSettings(env);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DynamicsSettingError);
  expect((thrown as DynamicsSettingError).setting).toBe(setting);
  expect((thrown as DynamicsSettingError).name).toBe('ConfigError');
  expect((thrown as Error).message).toMatch(message);
};

describe('Dynamics bridge settings', () => {
  it('is off when no DYNAMICS_ setting has a value', () => {
    expect(readDynamicsSettings({})).toBeUndefined();
    expect(readDynamicsSettings({ TELESIGN_ACCOUNTS: '[]', DYNAMICS_TENANT_ID: '  ', DYNAMICS_APP_ID: '' })).toBe(
      undefined,
    );
  });

  it('reads the required settings and fills the recommended defaults', () => {
    const settings = readDynamicsSettings(minimal)!;
    expect(settings).toEqual({
      messagingUrl: 'https://m-5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f.us.omnichannelengagementhub.com',
      organizationId: '5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
      channelId: 'c4a3b2d1-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      tenantId: TENANT.toLowerCase(),
      appId: APP,
      tokenScope: 'https://5f1c2d3e4a5b4c6d8e7f9a0b1c2d3e4f-c.crm.dynamics.com/.default',
      auth: {
        mode: 'managedIdentity',
        managedIdentityClientId: undefined,
        assertionScope: 'api://AzureADTokenExchange/.default',
      },
      authorityHost: 'https://login.microsoftonline.com',
      phoneFormat: 'e164',
      webhook: {
        mode: 'required',
        issuers: [
          `https://sts.windows.net/${TENANT.toLowerCase()}/`,
          `https://login.microsoftonline.com/${TENANT.toLowerCase()}/v2.0`,
        ],
        jwksUrl: `https://login.microsoftonline.com/${TENANT.toLowerCase()}/discovery/v2.0/keys`,
        audiences: [`api://${APP}`, APP],
        tenantId: TENANT.toLowerCase(),
        appIds: [APP],
        clockSkewSeconds: 300,
      },
      onConversationNotFound: 'recreate',
      requestTimeoutMs: 10_000,
      tokenRefreshMarginMs: 300_000,
      smsSplitLength: 1600,
      agentAttachments: 'link',
      skipDeflectionBot: false,
    });
  });

  it("uses the bundle's user-assigned identity unless the bridge names its own", () => {
    const shared = '11111111-2222-3333-4444-555555555555';
    const own = '66666666-7777-8888-9999-000000000000';
    expect(readDynamicsSettings({ ...minimal, AZURE_CLIENT_ID: shared })!.auth).toMatchObject({
      managedIdentityClientId: shared,
    });
    expect(
      readDynamicsSettings({ ...minimal, AZURE_CLIENT_ID: shared, DYNAMICS_MANAGED_IDENTITY_CLIENT_ID: own })!.auth,
    ).toMatchObject({ managedIdentityClientId: own });
    expectSettingError(
      { ...minimal, AZURE_CLIENT_ID: 'client-1' },
      'AZURE_CLIENT_ID',
      /AZURE_CLIENT_ID is invalid: a GUID/,
    );
  });

  it('reads the client-secret mode with its Key Vault secret name', () => {
    const settings = readDynamicsSettings({
      ...minimal,
      DYNAMICS_AUTH_MODE: 'clientSecret',
      DYNAMICS_CLIENT_SECRET_NAME: 'dynamics-client-secret',
    })!;
    expect(settings.auth).toEqual({ mode: 'clientSecret', clientSecretName: 'dynamics-client-secret' });
    expectSettingError(
      { ...minimal, DYNAMICS_AUTH_MODE: 'clientSecret' },
      'DYNAMICS_CLIENT_SECRET_NAME',
      /DYNAMICS_CLIENT_SECRET_NAME is missing/,
    );
    expectSettingError(
      { ...minimal, DYNAMICS_AUTH_MODE: 'clientSecret', DYNAMICS_CLIENT_SECRET_NAME: 'my secret' },
      'DYNAMICS_CLIENT_SECRET_NAME',
      /Key Vault secret name/,
    );
  });

  it('reads every optional setting', () => {
    const settings = readDynamicsSettings({
      ...minimal,
      DYNAMICS_AUTHORITY_HOST: 'http://127.0.0.1:7073/',
      DYNAMICS_CUSTOMER_PHONE_FORMAT: 'national',
      DYNAMICS_WEBHOOK_AUTH: 'off',
      DYNAMICS_WEBHOOK_ISSUERS: ' https://issuer.one/ , https://issuer.two ',
      DYNAMICS_WEBHOOK_JWKS_URL: 'http://127.0.0.1:7073/keys',
      DYNAMICS_WEBHOOK_AUDIENCES: 'api://sms-bridge',
      DYNAMICS_WEBHOOK_TENANT_ID: '99999999-8888-7777-6666-555555555555',
      DYNAMICS_WEBHOOK_APP_IDS: `${APP},AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE`,
      DYNAMICS_WEBHOOK_CLOCK_SKEW_SECONDS: '60',
      DYNAMICS_ON_CONVERSATION_NOT_FOUND: 'deadLetter',
      DYNAMICS_TIMEOUT_SECONDS: '2.5',
      DYNAMICS_TOKEN_REFRESH_MARGIN_SECONDS: '0',
      DYNAMICS_SMS_SPLIT_LENGTH: '480',
      DYNAMICS_AGENT_ATTACHMENTS: 'notice',
      DYNAMICS_SKIP_DEFLECTION_BOT: 'true',
    })!;
    expect(settings).toMatchObject({
      authorityHost: 'http://127.0.0.1:7073',
      phoneFormat: 'national',
      webhook: {
        mode: 'off',
        issuers: ['https://issuer.one/', 'https://issuer.two'],
        jwksUrl: 'http://127.0.0.1:7073/keys',
        audiences: ['api://sms-bridge'],
        tenantId: '99999999-8888-7777-6666-555555555555',
        appIds: [APP, 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'],
        clockSkewSeconds: 60,
      },
      onConversationNotFound: 'deadLetter',
      requestTimeoutMs: 2500,
      tokenRefreshMarginMs: 0,
      smsSplitLength: 480,
      agentAttachments: 'notice',
      skipDeflectionBot: true,
    });
  });

  it('derives the webhook issuer and key set from the authority host (another cloud)', () => {
    const settings = readDynamicsSettings({ ...minimal, DYNAMICS_AUTHORITY_HOST: 'https://login.microsoftonline.us' })!;
    expect(settings.webhook.issuers).toContain(`https://login.microsoftonline.us/${TENANT.toLowerCase()}/v2.0`);
    expect(settings.webhook.jwksUrl).toBe(
      `https://login.microsoftonline.us/${TENANT.toLowerCase()}/discovery/v2.0/keys`,
    );
  });

  it('names the first missing required setting and what switched the bridge on', () => {
    expectSettingError(
      { DYNAMICS_WEBHOOK_AUTH: 'off' },
      'DYNAMICS_TENANT_ID',
      /Setting DYNAMICS_TENANT_ID is missing\. \(the Dynamics bridge is on because DYNAMICS_WEBHOOK_AUTH is set\)/,
    );
    for (const name of Object.keys(minimal)) {
      expectSettingError({ ...minimal, [name]: undefined }, name, new RegExp(`${name} is missing`));
    }
  });

  it.each([
    ['DYNAMICS_ORGANIZATION_ID', 'contoso', /a GUID/],
    ['DYNAMICS_CHANNEL_ID', '{c4a3b2d1-e5f6-4a7b-8c9d-0e1f2a3b4c5d}', /a GUID/],
    ['DYNAMICS_MESSAGING_URL', 'ftp://example.com', /an http\(s\) URL/],
    ['DYNAMICS_MESSAGING_URL', 'not a url', /an http\(s\) URL/],
    ['DYNAMICS_TOKEN_SCOPE', 'https://x .default', /without spaces/],
    ['DYNAMICS_AUTH_MODE', 'secret', /managedIdentity or clientSecret/],
    ['DYNAMICS_CUSTOMER_PHONE_FORMAT', 'E.164', /e164, digits, national, nationalDigits/],
    ['DYNAMICS_WEBHOOK_AUTH', 'optional', /required or off/],
    ['DYNAMICS_WEBHOOK_AUDIENCES', ' , ', /at least one value/],
    ['DYNAMICS_WEBHOOK_APP_IDS', 'app-1', /a GUID/],
    ['DYNAMICS_WEBHOOK_CLOCK_SKEW_SECONDS', '-1', /DYNAMICS_WEBHOOK_CLOCK_SKEW_SECONDS is invalid/],
    ['DYNAMICS_TIMEOUT_SECONDS', 'ten', /DYNAMICS_TIMEOUT_SECONDS is invalid/],
    ['DYNAMICS_TIMEOUT_SECONDS', '0', /DYNAMICS_TIMEOUT_SECONDS is invalid/],
    ['DYNAMICS_SMS_SPLIT_LENGTH', '1601', /DYNAMICS_SMS_SPLIT_LENGTH is invalid/],
    ['DYNAMICS_SMS_SPLIT_LENGTH', '160.5', /DYNAMICS_SMS_SPLIT_LENGTH is invalid/],
    ['DYNAMICS_ON_CONVERSATION_NOT_FOUND', 'ignore', /recreate or deadLetter/],
    ['DYNAMICS_AGENT_ATTACHMENTS', 'drop', /link or notice/],
    ['DYNAMICS_SKIP_DEFLECTION_BOT', 'yes', /true or false/],
    ['DYNAMICS_AUTHORITY_HOST', 'login.microsoftonline.com', /an http\(s\) URL/],
  ])('refuses %s=%s, naming it', (name, value, message) => {
    expectSettingError({ ...minimal, [name]: value }, name, message);
  });
});
