import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { SANDBOX_IDENTITY } from '../../local/dynamicsSandbox';
import { DYNAMICS_SANDBOX_SECRET_NAME, withEmbeddedDynamics } from '../../local/dynamicsSandboxSettings';
import {
  embeddedParts,
  LOCAL_TIMER_INTERVAL_SECONDS,
  localDefaults,
  localTimerIntervalMs,
  readLocalSettings,
  withLocalBridgeSwitch,
} from '../../local/localSettings';
import { type Env, loadConfig, settingNames } from '../../shared/config';

const root = path.resolve(__dirname, '..', '..');
// What startChannel writes in place of each `embedded` marker once its part listens.
const sandboxSettings = {
  url: 'http://127.0.0.1:7073',
  apiBaseUrl: 'http://127.0.0.1:7073',
  authorityHost: 'http://127.0.0.1:7073',
  tokenUrl: `http://127.0.0.1:7073/${SANDBOX_IDENTITY.tenantId}/oauth2/v2.0/token`,
  jwksUrl: `http://127.0.0.1:7073/${SANDBOX_IDENTITY.tenantId}/discovery/v2.0/keys`,
  tenantId: SANDBOX_IDENTITY.tenantId,
  organizationId: SANDBOX_IDENTITY.organizationId,
  channelId: SANDBOX_IDENTITY.channelId,
  appId: SANDBOX_IDENTITY.appId,
  scope: 'https://5f1c2d3e4a5b4c6d8e7f9a0b1c2d3e4f-c.crm.dynamics.com/.default',
  webhookIssuer: `https://login.microsoftonline.com/${SANDBOX_IDENTITY.tenantId}/v2.0`,
  webhookAudience: `api://${SANDBOX_IDENTITY.appId}`,
};
const withEmbeddedEndpoints = (env: Env): Env => {
  const started = {
    ...env,
    ServiceBusConnection:
      'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
    TELESIGN_API_BASE_URL: 'http://127.0.0.1:7072',
  };
  return embeddedParts(env).dynamics
    ? withEmbeddedDynamics(started, sandboxSettings, SANDBOX_IDENTITY.clientSecret)
    : started;
};

describe('local settings', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'settings-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('run every part embedded with no local.settings.json', () => {
    const { env, source } = readLocalSettings(dir);
    expect(source).toMatch(/built-in defaults/);
    expect(embeddedParts(env)).toEqual({ broker: true, tables: true, sandbox: true, dynamics: true });
    expect(loadConfig(withEmbeddedEndpoints(env)).dynamics).toMatchObject({
      messagingUrl: 'http://127.0.0.1:7073',
      channelId: SANDBOX_IDENTITY.channelId,
    });
  });

  it('take the sample copied as local.settings.json as it is', () => {
    copyFileSync(path.join(root, 'local.settings.sample.json'), path.join(dir, 'local.settings.json'));
    const { env } = readLocalSettings(dir);
    expect(embeddedParts(env)).toEqual({ broker: true, tables: true, sandbox: true, dynamics: true });
    expect(loadConfig(withEmbeddedEndpoints(env)).routingRules.defaultQueue).toBe('general');
  });

  it('use a real service named in local.settings.json instead of the embedded part', () => {
    writeFileSync(
      path.join(dir, 'local.settings.json'),
      JSON.stringify({
        Values: {
          ServiceBusConnection: 'Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=b',
          TELESIGN_API_BASE_URL: 'https://rest-ww.telesign.com',
          DYNAMICS_MESSAGING_URL: 'https://m-5f1c2d3e.us.omnichannelengagementhub.com',
        },
      }),
    );
    const { env } = readLocalSettings(dir);
    expect(embeddedParts(env)).toEqual({ broker: false, tables: true, sandbox: false, dynamics: false });
  });

  it('switch the bridge off with DYNAMICS_MESSAGING_URL off, whatever other DYNAMICS_* setting is given', () => {
    writeFileSync(
      path.join(dir, 'local.settings.json'),
      JSON.stringify({ Values: { DYNAMICS_MESSAGING_URL: 'off', DYNAMICS_CUSTOMER_PHONE_FORMAT: 'national' } }),
    );
    const env = withLocalBridgeSwitch(readLocalSettings(dir).env);
    expect(embeddedParts(env).dynamics).toBe(false);
    expect(Object.keys(env).filter((name) => name.startsWith('DYNAMICS_'))).toEqual(['DYNAMICS_ACTIVITIES_QUEUE']);
    expect(loadConfig(withEmbeddedEndpoints(env)).dynamics).toBeUndefined();
  });

  it("keep a DYNAMICS_* setting the developer gave over the sandbox's, and the secrets they gave", () => {
    const env = withEmbeddedEndpoints({
      ...localDefaults,
      DYNAMICS_ON_CONVERSATION_NOT_FOUND: 'deadLetter',
      LOCAL_SECRETS: JSON.stringify({ 'telesign-api-key': 'VGVzdCBLZXk=' }),
    });
    expect(env.DYNAMICS_ON_CONVERSATION_NOT_FOUND).toBe('deadLetter');
    expect(JSON.parse(env.LOCAL_SECRETS!)).toEqual({
      'telesign-api-key': 'VGVzdCBLZXk=',
      [DYNAMICS_SANDBOX_SECRET_NAME]: SANDBOX_IDENTITY.clientSecret,
    });
    expect(loadConfig(env).dynamics?.onConversationNotFound).toBe('deadLetter');
  });

  it('refuse a local.settings.json that is not JSON, naming it', () => {
    writeFileSync(path.join(dir, 'local.settings.json'), '{ "Values": ');
    expect(() => readLocalSettings(dir)).toThrow(/local\.settings\.json is not valid JSON/);
  });

  it('document every setting the code reads, in the sample or the README', () => {
    const sample = Object.keys(JSON.parse(readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')).Values);
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const name of Object.values(settingNames)) {
      expect({ name, documented: sample.includes(name) || readme.includes(name) }).toEqual({ name, documented: true });
    }
    for (const name of Object.keys(localDefaults)) expect(sample).toContain(name);
  });
});

describe('LOCAL_TIMER_INTERVAL_SECONDS', () => {
  it('is documented and empty by default: timers run on their schedules', () => {
    expect(localDefaults).toHaveProperty(LOCAL_TIMER_INTERVAL_SECONDS, '');
    expect(readFileSync(path.join(root, 'README.md'), 'utf8')).toContain(`| \`${LOCAL_TIMER_INTERVAL_SECONDS}\` |`);
    expect(localTimerIntervalMs(localDefaults)).toBeUndefined();
  });

  it('gives the pause between timer runs, in seconds', () => {
    expect(localTimerIntervalMs({ [LOCAL_TIMER_INTERVAL_SECONDS]: '60' })).toBe(60_000);
    expect(localTimerIntervalMs({ [LOCAL_TIMER_INTERVAL_SECONDS]: '0.25' })).toBe(250);
  });

  it.each(['0', '-5', 'hourly', '86401'])('refuses %s, naming the setting', (value) => {
    expect(() => localTimerIntervalMs({ [LOCAL_TIMER_INTERVAL_SECONDS]: value })).toThrow(
      /Setting LOCAL_TIMER_INTERVAL_SECONDS is invalid/,
    );
  });
});
