import { ConfigError, type Env, loadConfig } from '../../shared/config';
import { account1, accountsSetting, localSecrets } from '../support/telesignFixtures';

const base: Env = {
  TELESIGN_ACCOUNTS: accountsSetting(account1),
  LOCAL_SECRETS: JSON.stringify(localSecrets(account1)),
  ServiceBusConnection:
    'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

describe('auto-close settings', () => {
  it("default to Dynamics' idle limits: 30 days open and active, 7 days waiting", () => {
    expect(loadConfig(base).autoCloseDays).toEqual({ open: 30, active: 30, waiting: 7 });
  });

  it('take days per state, 0 meaning never', () => {
    const config = loadConfig({
      ...base,
      AUTO_CLOSE_OPEN_DAYS: '0',
      AUTO_CLOSE_ACTIVE_DAYS: '14',
      AUTO_CLOSE_WAITING_DAYS: '0.5',
    });
    expect(config.autoCloseDays).toEqual({ open: 0, active: 14, waiting: 0.5 });
  });

  it('name the setting that is wrong', () => {
    expect(() => loadConfig({ ...base, AUTO_CLOSE_WAITING_DAYS: 'a week' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, AUTO_CLOSE_WAITING_DAYS: '-1' })).toThrow(/AUTO_CLOSE_WAITING_DAYS/);
  });
});
