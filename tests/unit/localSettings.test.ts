import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  embeddedParts,
  LOCAL_TIMER_INTERVAL_SECONDS,
  localDefaults,
  localTimerIntervalMs,
  readLocalSettings,
} from '../../local/localSettings';
import { loadConfig, settingNames } from '../../shared/config';

const root = path.resolve(__dirname, '..', '..');
const withEmbeddedEndpoints = (env: Record<string, string | undefined>) => ({
  ...env,
  ServiceBusConnection:
    'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
  TELESIGN_API_BASE_URL: 'http://127.0.0.1:7072',
});

describe('local settings', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'settings-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('run every part embedded with no local.settings.json', () => {
    const { env, source } = readLocalSettings(dir);
    expect(source).toMatch(/built-in defaults/);
    expect(embeddedParts(env)).toEqual({ broker: true, tables: true, sandbox: true });
    expect(() => loadConfig(withEmbeddedEndpoints(env))).not.toThrow();
  });

  it('take the sample copied as local.settings.json as it is', () => {
    copyFileSync(path.join(root, 'local.settings.sample.json'), path.join(dir, 'local.settings.json'));
    const { env } = readLocalSettings(dir);
    expect(embeddedParts(env)).toEqual({ broker: true, tables: true, sandbox: true });
    expect(loadConfig(withEmbeddedEndpoints(env)).routingRules.defaultQueue).toBe('general');
  });

  it('use a real service named in local.settings.json instead of the embedded part', () => {
    writeFileSync(
      path.join(dir, 'local.settings.json'),
      JSON.stringify({
        Values: {
          ServiceBusConnection: 'Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=b',
          TELESIGN_API_BASE_URL: 'https://rest-ww.telesign.com',
        },
      }),
    );
    const { env } = readLocalSettings(dir);
    expect(embeddedParts(env)).toEqual({ broker: false, tables: true, sandbox: false });
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
