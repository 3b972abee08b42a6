import {
  type Env,
  readWebhookEndpoints,
  readWebhookSettings,
  readWebhookTimeoutMs,
  webhookEndpointsSchema,
  WebhookSettingError,
} from '../../shared/webhooks/endpointSettings';

const azure = { local: false };
const local = { local: true };

const endpoint = (over: Record<string, unknown> = {}) => ({
  url: 'https://hooks.example.com/sms',
  secretName: 'webhook-crm',
  events: ['message.received'],
  ...over,
});
const envOf = (endpoints: unknown): Env => ({ WEBHOOK_ENDPOINTS: JSON.stringify(endpoints) });

const refusal = (read: () => unknown): WebhookSettingError => {
  try {
    read();
  } catch (e) {
    expect(e).toBeInstanceOf(WebhookSettingError);
    expect((e as Error).name).toBe('ConfigError');
    return e as WebhookSettingError;
  }
  throw new Error('expected the setting to be refused');
};
const endpointsRefusal = (endpoints: unknown, options = azure) =>
  refusal(() => readWebhookEndpoints(envOf(endpoints), options));

describe('WEBHOOK_ENDPOINTS', () => {
  it.each([
    ['absent', {}],
    ['empty', { WEBHOOK_ENDPOINTS: '' }],
    ['blank', { WEBHOOK_ENDPOINTS: '  \n' }],
    ['an empty array', { WEBHOOK_ENDPOINTS: '[]' }],
  ])('means no endpoints when %s', (_, env: Env) => {
    expect(readWebhookEndpoints(env, azure)).toEqual([]);
  });

  it('reads an endpoint, naming it after its host and normalising its url', () => {
    expect(
      readWebhookEndpoints(
        envOf([
          endpoint({ url: 'HTTPS://Hooks.Example.com:443/sms?tenant=7', events: ['message.sent', 'consent.changed'] }),
        ]),
        azure,
      ),
    ).toEqual([
      {
        name: 'hooks.example.com',
        url: 'https://hooks.example.com/sms?tenant=7',
        secretName: 'webhook-crm',
        events: ['message.sent', 'consent.changed'],
      },
    ]);
  });

  it('keeps a given name, trimmed, and a non-default port in the derived one', () => {
    const [named, ported] = readWebhookEndpoints(
      envOf([endpoint({ name: '  Sales flow ' }), endpoint({ url: 'https://hooks.example.com:8443/x' })]),
      azure,
    );
    expect(named.name).toBe('Sales flow');
    expect(ported.name).toBe('hooks.example.com:8443');
  });

  it('accepts every event type and ["*"]', () => {
    const all = [
      'message.received',
      'message.sent',
      'message.status_changed',
      'conversation.started',
      'conversation.state_changed',
      'consent.changed',
    ];
    const [listed, star] = readWebhookEndpoints(
      envOf([endpoint({ events: all }), endpoint({ url: 'https://other.example.com/', events: ['*'] })]),
      azure,
    );
    expect(listed.events).toEqual(all);
    expect(star.events).toEqual(['*']);
  });

  it('says so when the setting is not JSON', () => {
    const error = refusal(() => readWebhookEndpoints({ WEBHOOK_ENDPOINTS: '[{url:' }, azure));
    expect(error.setting).toBe('WEBHOOK_ENDPOINTS');
    expect(error.message).toBe('Setting WEBHOOK_ENDPOINTS is not valid JSON.');
  });

  it('wants an array of objects', () => {
    expect(endpointsRefusal({ url: 'https://hooks.example.com' }).message).toBe(
      'Setting WEBHOOK_ENDPOINTS is invalid: must be a JSON array of endpoints ([] for none).',
    );
    expect(endpointsRefusal(['https://hooks.example.com']).message).toBe(
      'Setting WEBHOOK_ENDPOINTS is invalid: the endpoint at index 0: must be an object with url, secretName and events.',
    );
  });

  it('names the setting, the index and each problem', () => {
    const error = endpointsRefusal([
      endpoint(),
      endpoint({ url: 'https://b.example.com', secretName: 'has space', events: [] }),
    ]);
    expect(error.setting).toBe('WEBHOOK_ENDPOINTS');
    expect(error.message).toBe(
      'Setting WEBHOOK_ENDPOINTS is invalid: ' +
        'the endpoint at index 1: secretName must be a Key Vault secret name: 1 to 127 letters, digits and dashes; ' +
        'the endpoint at index 1: events must list at least one event type, or be ["*"].',
    );
  });

  it('requires url, secretName and events', () => {
    const error = endpointsRefusal([{}]);
    expect(error.message).toContain('the endpoint at index 0: url is required');
    expect(error.message).toContain('the endpoint at index 0: secretName is required');
    expect(error.message).toContain('the endpoint at index 0: events is required');
  });

  it('tells a value of the wrong type from a missing one', () => {
    const error = endpointsRefusal([{ url: 5, secretName: ['a'], events: 'message.sent' }]);
    expect(error.message).toContain('the endpoint at index 0: url must be an https URL');
    expect(error.message).toContain(
      'the endpoint at index 0: secretName must be the name of the Key Vault secret that holds the signing secret',
    );
    expect(error.message).toContain('the endpoint at index 0: events must be a list of event types, or ["*"]');
  });

  it('names the field of a value of the wrong type', () => {
    expect(endpointsRefusal([endpoint({ name: 42 })]).message).toMatch(/the endpoint at index 0: name: .*string/);
  });

  it.each([
    ['a', true],
    ['A-b-9', true],
    ['x'.repeat(127), true],
    ['x'.repeat(128), false],
    ['under_score', false],
    ['dot.ted', false],
    ['', false],
  ])('takes %j as a Key Vault secret name: %s', (secretName, ok) => {
    const read = () => readWebhookEndpoints(envOf([endpoint({ secretName })]), azure);
    if (ok) expect(read()[0].secretName).toBe(secretName);
    else expect(refusal(read).message).toContain('secretName must be a Key Vault secret name');
  });

  it.each([
    [['message.read'], 'events holds "message.read", which is not an event type'],
    [['*', 'message.sent'], 'events may hold "*" only on its own: ["*"]'],
    [['message.sent', 'message.sent'], 'events lists "message.sent" twice'],
    [[], 'events must list at least one event type'],
  ])('refuses events %j', (events, message) => {
    expect(endpointsRefusal([endpoint({ events })]).message).toContain(`the endpoint at index 0: ${message}`);
  });

  it('refuses the secret itself in place of its name, and any other unknown key', () => {
    expect(endpointsRefusal([endpoint({ secret: 'whsec_abc' })]).message).toContain(
      'the endpoint at index 0: "secret" is not a setting of an endpoint: keep the signing secret in Key Vault and give its name in secretName',
    );
    expect(endpointsRefusal([endpoint({ headers: {} })]).message).toContain(
      '"headers" is not a setting of an endpoint (name, url, secretName, events)',
    );
  });

  it('never repeats a value that looks like a secret in its message', () => {
    expect(endpointsRefusal([endpoint({ secret: 'whsec_TOPSECRET' })]).message).not.toContain('TOPSECRET');
  });

  it('refuses the same url twice, however it is spelled', () => {
    expect(
      endpointsRefusal([endpoint(), endpoint({ url: 'https://HOOKS.example.com:443/sms', secretName: 'other' })])
        .message,
    ).toBe(
      "Setting WEBHOOK_ENDPOINTS is invalid: the endpoint at index 1: url is the same as the endpoint at index 0's.",
    );
  });

  it('refuses two endpoints with one name, and says how to tell them apart', () => {
    expect(endpointsRefusal([endpoint(), endpoint({ url: 'https://hooks.example.com/other' })]).message).toContain(
      'the endpoint at index 1: name "hooks.example.com" is also the endpoint at index 0\'s; give each endpoint a distinct name',
    );
    expect(
      readWebhookEndpoints(
        envOf([endpoint(), endpoint({ url: 'https://hooks.example.com/other', name: 'second' })]),
        azure,
      ).map((e) => e.name),
    ).toEqual(['hooks.example.com', 'second']);
  });

  it.each([
    ['', 'name must not be empty'],
    ['   ', 'name must not be empty'],
    ['x'.repeat(101), 'name must be at most 100 characters'],
    ['tab\there', 'name must not hold control characters'],
  ])('refuses the name %j', (name, message) => {
    expect(endpointsRefusal([endpoint({ name })]).message).toContain(message);
  });
});

describe('WEBHOOK_ENDPOINTS urls', () => {
  const urlRefusal = (url: string, options = azure) => endpointsRefusal([endpoint({ url })], options).message;

  it.each([
    ['not a url', 'url is not a URL'],
    ['ftp://hooks.example.com/', 'url must be an https URL, not ftp:'],
    ['https://user:pass@hooks.example.com/', 'url must not hold a user name or password'],
    ['https://user@hooks.example.com/', 'url must not hold a user name or password'],
    ['https://hooks.example.com/sms#part', 'url must not have a #fragment'],
    ['https://hooks.example.com/sms#', 'url must not have a #fragment'],
  ])('refuses %s anywhere', (url, message) => {
    expect(urlRefusal(url, azure)).toContain(`the endpoint at index 0: ${message}`);
    expect(urlRefusal(url, local)).toContain(`the endpoint at index 0: ${message}`);
  });

  it('never repeats the password of a url it refuses', () => {
    expect(urlRefusal('https://user:hunter2@hooks.example.com/')).not.toContain('hunter2');
  });

  it.each(['http://hooks.example.com/', 'http://127.0.0.1:7071/', 'http://localhost/'])(
    'refuses plain http in Azure: %s',
    (url) => {
      expect(urlRefusal(url)).toContain(
        'url must use https in Azure (plain http is allowed only for a loopback host in a local run)',
      );
    },
  );

  it.each([
    'http://localhost:7072/webhooks',
    'http://LOCALHOST/',
    'http://127.0.0.1:7072/',
    'http://127.12.0.9/',
    'http://[::1]:7072/',
    'https://localhost/',
  ])('allows a loopback host in a local run: %s', (url) => {
    expect(readWebhookEndpoints(envOf([endpoint({ url })]), local)).toHaveLength(1);
  });

  it.each(['http://hooks.example.com/', 'http://10.0.0.4/', 'http://192.168.1.10/', 'http://localhost.example.com/'])(
    'refuses plain http to a host that is not loopback, even locally: %s',
    (url) => {
      expect(urlRefusal(url, local)).toContain('url may use plain http only for a loopback host');
    },
  );

  it('allows https to any host in a local run', () => {
    expect(readWebhookEndpoints(envOf([endpoint({ url: 'https://10.0.0.4/' })]), local)).toHaveLength(1);
  });

  it.each([
    ['https://localhost/', 'url must not point at localhost in Azure'],
    ['https://app.localhost/', 'url must not point at localhost in Azure'],
    ['https://127.0.0.1/', 'url must not point at 127.0.0.1 in Azure: it is a loopback address (127.0.0.0/8)'],
    ['https://10.1.2.3/', 'url must not point at 10.1.2.3 in Azure: it is a private address (10.0.0.0/8)'],
    ['https://169.254.169.254/metadata', 'it is a link-local address (169.254.0.0/16)'],
    ['https://[fd00::1]/', 'url must not point at [fd00::1] in Azure: it is a private address (fc00::/7)'],
    ['https://[::ffff:192.168.0.1]/', 'as an IPv4-mapped IPv6 address'],
  ])('refuses in Azure a host that is a non-public address: %s', (url, message) => {
    expect(urlRefusal(url)).toContain(message);
  });

  it('accepts a public address as host in Azure', () => {
    expect(readWebhookEndpoints(envOf([endpoint({ url: 'https://203.0.114.7/hook' })]), azure)[0].url).toBe(
      'https://203.0.114.7/hook',
    );
  });
});

describe('webhookEndpointsSchema', () => {
  it('parses the array itself, for callers that already hold the JSON', () => {
    expect(webhookEndpointsSchema(azure).parse([endpoint()])).toHaveLength(1);
    expect(webhookEndpointsSchema(azure).safeParse([endpoint({ url: 'http://hooks.example.com' })]).success).toBe(
      false,
    );
  });
});

describe('WEBHOOK_TIMEOUT_SECONDS', () => {
  it('is 15 s unless set', () => {
    expect(readWebhookTimeoutMs({})).toBe(15_000);
    expect(readWebhookTimeoutMs({ WEBHOOK_TIMEOUT_SECONDS: ' ' })).toBe(15_000);
  });

  it.each([
    ['1', 1000],
    ['60', 60_000],
    [' 30 ', 30_000],
    ['2.5', 2500],
  ])('reads %j', (value, ms) => {
    expect(readWebhookTimeoutMs({ WEBHOOK_TIMEOUT_SECONDS: value })).toBe(ms);
  });

  it.each(['0', '0.5', '61', '-1', 'fast', 'Infinity', '15s'])('refuses %j', (value) => {
    const error = refusal(() => readWebhookTimeoutMs({ WEBHOOK_TIMEOUT_SECONDS: value }));
    expect(error.setting).toBe('WEBHOOK_TIMEOUT_SECONDS');
    expect(error.message).toBe('Setting WEBHOOK_TIMEOUT_SECONDS is invalid: a number of seconds from 1 to 60.');
  });
});

describe('readWebhookSettings', () => {
  it('reads both settings', () => {
    expect(readWebhookSettings({ ...envOf([endpoint()]), WEBHOOK_TIMEOUT_SECONDS: '5' }, azure)).toEqual({
      endpoints: [
        {
          name: 'hooks.example.com',
          url: 'https://hooks.example.com/sms',
          secretName: 'webhook-crm',
          events: ['message.received'],
        },
      ],
      timeoutMs: 5000,
    });
  });
});
