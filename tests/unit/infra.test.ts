import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { parse as parseYaml } from 'yaml';

import { PACKAGE_DIR } from '../../local/packageZip';
import { loadConfig, settingNames } from '../../shared/config';
import { phoneFormats } from '../../shared/domain/phoneFormat';
import { WEBHOOK_RETRY_SCHEDULE_MS } from '../../shared/domain/webhookRetry';
import { dynamicsSettingNames, readDynamicsSettings } from '../../shared/dynamics/settings';
import { tableNames } from '../../shared/storage/tableClients';
import { readWebhookSettings, readWebhookTimeoutMs, webhookSettingNames } from '../../shared/webhooks/endpointSettings';

/**
 * Bicep cannot be compiled here (docs/deploy.md has operators run `az bicep build` first), so these tests read
 * the templates as text and hold them to what the code needs: every setting it reads in Azure, every role it
 * uses, and no secret anywhere.
 */

const root = path.resolve(__dirname, '../..');
const read = (relative: string) => readFileSync(path.join(root, relative), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name).split(path.sep).join('/')],
  );
}

const bicepFiles = filesUnder('infra').filter((f) => f.endsWith('.bicep'));
const api = read('infra/app/api.bicep');
const rbac = read('infra/app/rbac.bicep');
const main = read('infra/main.bicep');
const serviceBus = read('infra/app/servicebus.bicep');
const keyVault = read('infra/app/keyvault.bicep');
const alerts = read('infra/app/alerts.bicep');

/** The `{ name: 'X' value: ... }` items of `var <variable> = [ ... ]` in api.bicep. */
function appSettings(variable = 'appSettings'): Map<string, string> {
  const block = new RegExp(`^var ${variable} = \\[\\n([\\s\\S]*?)\\n\\]`, 'm').exec(api);
  if (!block) throw new Error(`api.bicep has no \`var ${variable} = [...]\``);
  const settings = new Map<string, string>();
  for (const m of block[1].matchAll(/name: '([^']+)'\n\s*value: ([^\n]+)/g)) {
    if (settings.has(m[1])) throw new Error(`${m[1]} is set twice`);
    settings.set(m[1], m[2].trim());
  }
  return settings;
}

/** Role assignment resources of a Bicep file, with the parts that say who gets what, where. */
function roleAssignments(bicep: string) {
  return [
    ...bicep.matchAll(
      /^resource (\w+) 'Microsoft\.Authorization\/roleAssignments@[^']+' = (?:if \([^\n]*\) )?\{\n([\s\S]*?)\n\}/gm,
    ),
  ].map((m) => {
    const body = m[2];
    const field = (re: RegExp) => re.exec(body)?.slice(1) ?? [];
    const [nameScope, namePrincipal, nameRole] = field(/^\s*name: guid\((\w+)\.id, (\w+), roles\.(\w+)\)$/m);
    return {
      symbol: m[1],
      nameScope,
      namePrincipal,
      nameRole,
      scope: field(/^\s*scope: (\w+)$/m)[0],
      role: field(
        /roleDefinitionId: subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', roles\.(\w+)\)/,
      )[0],
      principal: field(/^\s*principalId: (\w+)$/m)[0],
    };
  });
}

describe('app settings in infra/app/api.bicep', () => {
  const settings = appSettings();
  // Set only when their parameter is given (WEBHOOK_ENDPOINTS, when webhookEndpoints is not empty): read by
  // shared/config.ts all the same, and absent means none.
  const conditional = appSettings('webhookAppSettings');

  // Read by shared/config.ts, but only on a laptop: in Azure each has an identity-based replacement, and setting
  // one there would switch the app to a connection string or to API keys in plain settings.
  const localOnly = new Set<string>([
    settingNames.localSecrets, // API keys inline; Azure reads them from Key Vault (KEY_VAULT_URL)
    settingNames.serviceBusConnection, // connection string; Azure uses ServiceBusConnection__fullyQualifiedNamespace
    settingNames.storageConnection, // connection string; Azure uses AzureWebJobsStorage__tableServiceUri
  ]);
  // Optional settings (a default in shared/config.ts) that the template leaves to their default. None today: the
  // template sets every optional one too, from a parameter, so that operators change them by redeploying.
  const optionalLeftToDefault = new Set<string>([]);

  // Not read by shared/config.ts but by the Functions host and its extensions.
  const hostSettings = [
    'AzureWebJobsStorage__accountName',
    'AzureWebJobsStorage__blobServiceUri',
    'AzureWebJobsStorage__queueServiceUri',
    'AzureWebJobsStorage__credential',
    'ServiceBusConnection__credential',
    'APPLICATIONINSIGHTS_CONNECTION_STRING',
    'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  ];

  it('sets every setting shared/config.ts reads in Azure', () => {
    const required = Object.values(settingNames).filter(
      (name) => !localOnly.has(name) && !optionalLeftToDefault.has(name),
    );
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !settings.has(name) && !conditional.has(name))).toEqual([]);
  });

  it('sets none of the laptop-only settings, nor what Flex Consumption refuses', () => {
    const forbidden = [
      ...localOnly,
      'FUNCTIONS_WORKER_RUNTIME',
      'FUNCTIONS_EXTENSION_VERSION',
      'WEBSITE_RUN_FROM_PACKAGE',
      'AzureWebJobsStorage',
    ];
    expect(forbidden.filter((name) => settings.has(name))).toEqual([]);
  });

  it('sets the host settings for identity-based storage, Service Bus and Application Insights', () => {
    expect(hostSettings.filter((name) => !settings.has(name))).toEqual([]);
  });

  it('sets every connection and %setting% the function triggers name', () => {
    const sources = readdirSync(path.join(root, 'functions'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => read(`functions/${f}`))
      .join('\n');
    const connections = [...sources.matchAll(/connection: '(\w+)'/g)].map((m) => m[1]);
    const percentNames = [
      // A key settingNames lacks stays visible as itself: undefined would slip through toEqual([]).
      ...[...sources.matchAll(/%\$\{settingNames\.(\w+)\}%/g)].map(
        (m) => (settingNames as Record<string, string>)[m[1]] ?? `settingNames.${m[1]}`,
      ),
      ...[...sources.matchAll(/'%(\w+)%'/g)].map((m) => m[1]),
    ];
    expect(connections.length + percentNames.length).toBeGreaterThan(0);
    for (const connection of connections) {
      expect(settings.get(`${connection}__fullyQualifiedNamespace`)).toBeDefined();
      expect(settings.get(`${connection}__credential`)).toBe("'managedidentity'");
      expect(settings.get(`${connection}__clientId`)).toBe('identityClientId');
    }
    expect(percentNames.filter((name) => !settings.has(name))).toEqual([]);
  });

  it('connects with the user-assigned identity everywhere, never with a key', () => {
    for (const [name, value] of settings) {
      if (name.endsWith('__credential')) expect([name, value]).toEqual([name, "'managedidentity'"]);
      if (name.endsWith('__clientId') || name === settingNames.managedIdentityClientId)
        expect([name, value]).toEqual([name, 'identityClientId']);
    }
    expect(settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
      "'ClientId=${identityClientId};Authorization=AAD'",
    );
    expect(settings.get(settingNames.storageTableUri)).toBe('storage.properties.primaryEndpoints.table');
    expect(settings.get(settingNames.keyVaultUrl)).toBe('keyVaultUri');
  });

  it('gives the app settings that shared/config.ts accepts, with the example accounts', () => {
    const env = Object.fromEntries([...settings.keys()].map((name) => [name, produced[name]]));
    const config = loadConfig(env);
    expect(config.secrets.kind).toBe('keyVault');
    expect(config.serviceBus.kind).toBe('identity');
    expect(config.tables.kind).toBe('identity');
    expect(config.accounts[0].apiKeySecretName).toBe('telesign-api-key');
    expect(config.channelEventsTopic).toBe('channel-events');
    expect(config.dynamicsActivitiesQueue).toBe('dynamics-activities');
    expect(config.webhookDeliveriesQueue).toBe('webhook-deliveries');
    expect(config.dynamics).toBeUndefined();
    expect(config.webhooks).toBeUndefined();
  });
});

// The values the template would produce, for one made-up deployment.
const produced: Record<string, string> = {
  AzureWebJobsStorage__accountName: 'stexample',
  AzureWebJobsStorage__blobServiceUri: 'https://stexample.blob.core.windows.net/',
  AzureWebJobsStorage__queueServiceUri: 'https://stexample.queue.core.windows.net/',
  AzureWebJobsStorage__tableServiceUri: 'https://stexample.table.core.windows.net/',
  AzureWebJobsStorage__credential: 'managedidentity',
  AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
  ServiceBusConnection__fullyQualifiedNamespace: 'sb-example.servicebus.windows.net',
  ServiceBusConnection__credential: 'managedidentity',
  ServiceBusConnection__clientId: '00000000-0000-0000-0000-000000000001',
  INBOUND_QUEUE_NAME: 'sms-inbound',
  KEY_VAULT_URL: 'https://kv-example.vault.azure.net/',
  AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
  SECRET_CACHE_TTL_SECONDS: '600',
  TELESIGN_ACCOUNTS: JSON.stringify(JSON.parse(read('infra/telesign-accounts.example.json'))),
  TELESIGN_API_BASE_URL: 'https://rest-api.telesign.com',
  ROUTING_RULES: '',
  AUTO_CLOSE_OPEN_DAYS: '30',
  AUTO_CLOSE_ACTIVE_DAYS: '30',
  AUTO_CLOSE_WAITING_DAYS: '7',
  CHANNEL_EVENTS_TOPIC: 'channel-events',
  DYNAMICS_ACTIVITIES_QUEUE: 'dynamics-activities',
  WEBHOOK_DELIVERIES_QUEUE: 'webhook-deliveries',
  WEBHOOK_TIMEOUT_SECONDS: '15',
  // With webhook endpoints (webhookEndpoints given):
  WEBHOOK_ENDPOINTS: JSON.stringify([
    { name: 'crm', url: 'https://hooks.example.com/sms', secretName: 'webhook-crm', events: ['message.received'] },
    { url: 'https://flows.example.net/hook', secretName: 'webhook-flow', events: ['*'] },
  ]),
  // With the bridge on (dynamicsMessagingUrl given):
  DYNAMICS_MESSAGING_URL: 'https://m-example.us.omnichannelengagementhub.com',
  DYNAMICS_ORGANIZATION_ID: '00000000-0000-0000-0000-00000000000a',
  DYNAMICS_CHANNEL_ID: '00000000-0000-0000-0000-00000000000b',
  DYNAMICS_TENANT_ID: '00000000-0000-0000-0000-00000000000c',
  DYNAMICS_APP_ID: '00000000-0000-0000-0000-00000000000d',
  DYNAMICS_TOKEN_SCOPE: 'https://example-c.crm.dynamics.com/.default',
  DYNAMICS_CUSTOMER_PHONE_FORMAT: 'e164',
};

describe('the Dynamics bridge settings in infra/app/api.bicep', () => {
  const base = appSettings();
  const bridge = appSettings('dynamicsAppSettings');
  const dynamicsNames = new Set<string>(Object.values(dynamicsSettingNames));

  it('adds them only when dynamicsMessagingUrl is given, any other DYNAMICS_* setting with them', () => {
    expect(api).toMatch(
      /^var bridgeAppSettings = empty\(dynamicsMessagingUrl\) \? \[\] : concat\(dynamicsAppSettings, dynamicsOtherAppSettings\)$/m,
    );
    expect(api).toMatch(/^var allAppSettings = concat\(appSettings, bridgeAppSettings, webhookEndpointAppSettings\)$/m);
    expect(api).toMatch(/^var dynamicsOtherAppSettings = map\(items\(dynamicsOtherSettings\), /m);
    expect(api).toMatch(/^\s*appSettings: allAppSettings$/m);
    expect(bridge.get(dynamicsSettingNames.messagingUrl)).toBe('dynamicsMessagingUrl');
  });

  it('sets only settings the bridge reads, none of them twice, and none that the base settings set', () => {
    expect([...bridge.keys()].filter((name) => !dynamicsNames.has(name))).toEqual([]);
    expect([...base.keys()].filter((name) => name.startsWith('DYNAMICS_') && dynamicsNames.has(name))).toEqual([]);
    expect([...bridge.keys()].filter((name) => base.has(name))).toEqual([]);
  });

  it('takes every value from a parameter, and sets no secret: the tokens come from the managed identity', () => {
    const params = new Set([...api.matchAll(/^param (\w+) /gm)].map((m) => m[1]));
    expect([...bridge.values()].filter((value) => !params.has(value))).toEqual([]);
    expect([...bridge.keys()]).not.toContain(dynamicsSettingNames.authMode);
    expect([...bridge.keys()]).not.toContain(dynamicsSettingNames.clientSecretName);
  });

  it('is enough for the bridge: shared/config.ts turns it on, signing in as the app identity', () => {
    const names = [...base.keys(), ...bridge.keys()];
    const config = loadConfig(Object.fromEntries(names.map((name) => [name, produced[name]])));
    expect(config.dynamics).toBeDefined();
    expect(config.dynamics!.auth).toEqual({
      mode: 'managedIdentity',
      managedIdentityClientId: produced.AZURE_CLIENT_ID,
      assertionScope: 'api://AzureADTokenExchange/.default',
    });
    expect(config.dynamics!.webhook.mode).toBe('required');
    expect(config.dynamics!.webhook.appIds).toEqual([produced.DYNAMICS_APP_ID]);
    // Each one is needed: without it the bridge does not start.
    for (const name of bridge.keys()) {
      if (name === dynamicsSettingNames.phoneFormat) continue; // has a default, set to make it visible
      const env = Object.fromEntries(names.filter((n) => n !== name).map((n) => [n, produced[n]]));
      expect(() => readDynamicsSettings(env)).toThrow(name);
    }
  });

  it('offers the phone formats the bridge knows, E.164 by default', () => {
    const allowed =
      /@allowed\(\[\n([\s\S]*?)\]\)\n@description\([^\n]*\)\nparam dynamicsCustomerPhoneFormat string = '(\w+)'/.exec(
        main,
      );
    expect(allowed).not.toBeNull();
    expect([...allowed![1].matchAll(/'(\w+)'/g)].map((m) => m[1])).toEqual([...phoneFormats]);
    expect(allowed![2]).toBe('e164');
  });

  it("defaults the tenant to the deployment's own", () => {
    expect(main).toMatch(/dynamicsTenantId: !empty\(dynamicsTenantId\) \? dynamicsTenantId : tenant\(\)\.tenantId/);
  });
});

describe('the webhook settings in infra/app/api.bicep', () => {
  const base = appSettings();
  const endpoints = appSettings('webhookAppSettings');
  const deliveriesQueue = settingNames.webhookDeliveriesQueue;
  const params = new Set([...api.matchAll(/^param (\w+) /gm)].map((m) => m[1]));

  it("always sets the deliveries queue, which deliverWebhooks' trigger names, and the timeout", () => {
    expect(read('functions/deliverWebhooks.ts')).toMatch(/queueName: `%\$\{settingNames\.webhookDeliveriesQueue\}%`/);
    expect(base.get(deliveriesQueue)).toBe('webhookDeliveriesQueueName');
    expect(base.get(webhookSettingNames.timeout)).toBe('string(webhookTimeoutSeconds)');
    expect(params.has('webhookDeliveriesQueueName') && params.has('webhookTimeoutSeconds')).toBe(true);
  });

  it('adds WEBHOOK_ENDPOINTS only when webhookEndpoints is given, and nothing else with it', () => {
    expect([...endpoints]).toEqual([[webhookSettingNames.endpoints, 'webhookEndpoints']]);
    expect(base.has(webhookSettingNames.endpoints)).toBe(false);
    expect(api).toMatch(/^var webhookEndpointAppSettings = empty\(webhookEndpoints\) \? \[\] : webhookAppSettings$/m);
    expect(api).toMatch(/^var allAppSettings = concat\(appSettings, bridgeAppSettings, webhookEndpointAppSettings\)$/m);
    expect(api).toMatch(/^param webhookEndpoints string$/m);
  });

  it('sets every webhook setting the app reads, and no signing secret: each endpoint names its Key Vault secret', () => {
    const set = new Set([...base.keys(), ...endpoints.keys()]);
    expect(Object.values(webhookSettingNames).filter((name) => !set.has(name))).toEqual([]);
    expect([...set].filter((name) => /SECRET(?!_NAME)/.test(name) && name.startsWith('WEBHOOK_'))).toEqual([]);
    expect(api).not.toMatch(/'whsec_/);
  });

  it('gives the app webhook settings it accepts, with HTTPS endpoints in Azure', () => {
    const settings = readWebhookSettings(produced, { local: false });
    expect(settings.endpoints.map((e) => e.secretName)).toEqual(['webhook-crm', 'webhook-flow']);
    expect(settings.timeoutMs).toBe(15_000);
    // Without webhookEndpoints the setting is absent: no endpoint, nothing delivered.
    const { WEBHOOK_ENDPOINTS: _, ...without } = produced;
    expect(readWebhookSettings(without, { local: false }).endpoints).toEqual([]);
    // And shared/config.ts turns the webhooks on with them, in Azure's mode.
    const names = [...base.keys(), ...endpoints.keys()];
    const config = loadConfig(Object.fromEntries(names.map((name) => [name, produced[name]])));
    expect(config.webhooks?.mode).toBe('azure');
    expect(config.webhooks?.endpoints).toHaveLength(2);
  });
});

describe('role assignments in infra/app/rbac.bicep', () => {
  const roleIds = Object.fromEntries(
    [.../^var roles = \{\n([\s\S]*?)\n\}/m.exec(rbac)![1].matchAll(/^\s*(\w+): '([0-9a-f-]{36})'/gm)].map((m) => [
      m[1],
      m[2],
    ]),
  );
  const existing = Object.fromEntries(
    [...rbac.matchAll(/^resource (\w+) '([^@']+)@[^']+' existing/gm)].map((m) => [m[1], m[2]]),
  );
  const sources = (dir: string) =>
    filesUnder(dir)
      .filter((f) => f.endsWith('.ts'))
      .map(read)
      .join('\n');

  /** The trigger options of every function file registering `app.<kind>(` (e.g. serviceBusQueue, serviceBusTopic). */
  const triggers = (kind: string) =>
    filesUnder('functions')
      .filter((f) => f.endsWith('.ts'))
      .map(read)
      .flatMap((text) => [...text.matchAll(new RegExp(`app\\.${kind}\\('\\w+', \\{\\n([\\s\\S]*?)\\n\\}\\);`, 'g'))])
      .map((m) => m[1]);
  const readsQueue = (setting: string) =>
    triggers('serviceBusQueue').some((t) => t.includes(`queueName: \`%\${settingNames.${setting}}%\``));
  const readsSubscription = (subscription: string) =>
    triggers('serviceBusTopic').some(
      (t) =>
        t.includes('topicName: `%${settingNames.channelEventsTopic}%`') &&
        t.includes(`subscriptionName: '${subscription}'`),
    );
  // A publisher sends through the one sender helper, which creates the SDK's sender for the entity it is given.
  const sendsTo = (file: string, name: string) =>
    new RegExp(`createSender\\(${name}\\)`).test(read(file)) ||
    (new RegExp(`createEntitySender\\(\\s*client,\\s*${name}\\b`).test(read(file)) &&
      /createSender\(entity\)/.test(read('shared/queue/entitySender.ts')));

  const sender = { role: 'Azure Service Bus Data Sender', id: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' };
  // The target-based scaler reads each triggered entity's message count, which takes the Manage right: Data Owner
  // is the only built-in role with it, and it covers the trigger's receive and any send to the same entity.
  const owner = { role: 'Azure Service Bus Data Owner', id: '090c5cfd-751d-490a-894a-3ce6f1109419' };
  const queues = 'Microsoft.ServiceBus/namespaces/queues';

  // Each role the app's identity needs, the resource it is scoped to (the `existing` symbol in rbac.bicep, its
  // type, and the rbac.bicep parameter that names it), and what in the code or template needs it.
  const needed = [
    {
      ...owner,
      scope: 'inboundQueue',
      on: queues,
      named: 'inboundQueueName',
      because: () =>
        readsQueue('inboundQueueName') &&
        sendsTo('shared/queue/eventPublisher.ts', 'queueName') &&
        sendsTo('shared/queue/queueProbe.ts', 'queueName'),
    },
    {
      ...sender,
      scope: 'channelEventsTopic',
      on: 'Microsoft.ServiceBus/namespaces/topics',
      named: 'channelEventsTopicName',
      because: () => sendsTo('shared/queue/channelEventPublisher.ts', 'topicName'),
    },
    {
      ...owner,
      scope: 'dynamicsSubscription',
      on: 'Microsoft.ServiceBus/namespaces/topics/subscriptions',
      named: 'dynamicsSubscriptionName',
      because: () => readsSubscription('dynamics'),
    },
    {
      ...owner,
      scope: 'dynamicsActivitiesQueue',
      on: queues,
      named: 'dynamicsActivitiesQueueName',
      because: () => readsQueue('dynamicsActivitiesQueue') && sendsTo('shared/queue/activityPublisher.ts', 'queueName'),
    },
    {
      ...owner,
      scope: 'webhooksSubscription',
      on: 'Microsoft.ServiceBus/namespaces/topics/subscriptions',
      named: 'webhooksSubscriptionName',
      because: () => readsSubscription('webhooks'),
    },
    {
      ...owner,
      scope: 'conversationIndexSubscription',
      on: 'Microsoft.ServiceBus/namespaces/topics/subscriptions',
      named: 'conversationIndexSubscriptionName',
      because: () => readsSubscription('conversation-index'),
    },
    {
      // fanOutWebhooks sends the deliveries, deliverWebhooks receives them and sends its scheduled retries.
      ...owner,
      scope: 'webhookDeliveriesQueue',
      on: queues,
      named: 'webhookDeliveriesQueueName',
      because: () =>
        readsQueue('webhookDeliveriesQueue') && sendsTo('shared/queue/webhookDeliveryQueue.ts', 'queueName'),
    },
    {
      role: 'Key Vault Secrets User',
      id: '4633458b-17de-408a-b874-0445c86b69e6',
      scope: 'keyVault',
      on: 'Microsoft.KeyVault/vaults',
      named: 'keyVaultName',
      because: () => /\.getSecret\(/.test(sources('shared/secrets')),
    },
    {
      role: 'Storage Table Data Contributor',
      id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
      scope: 'storage',
      on: 'Microsoft.Storage/storageAccounts',
      named: 'storageAccountName',
      because: () => /createTable\(/.test(sources('shared/storage')) && Object.keys(tableNames).length > 0,
    },
    {
      role: 'Storage Blob Data Owner',
      id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
      scope: 'storage',
      on: 'Microsoft.Storage/storageAccounts',
      named: 'storageAccountName',
      because: () => /type: 'UserAssignedIdentity'/.test(api) && api.includes("'AzureWebJobsStorage__blobServiceUri'"),
    },
    {
      role: 'Monitoring Metrics Publisher',
      id: '3913510d-42f4-4e42-8a64-420c390055eb',
      scope: 'applicationInsights',
      on: 'Microsoft.Insights/components',
      named: 'applicationInsightsName',
      because: () => /Authorization=AAD/.test(api),
    },
  ];

  it.each(needed)('grants $role on $scope ($on) to the app identity', ({ id, scope, on, named, because }) => {
    expect(because()).toBe(true);
    const roleVar = Object.keys(roleIds).find((k) => roleIds[k] === id);
    expect(roleVar).toBeDefined();
    const assignment = roleAssignments(rbac).find(
      (a) => a.role === roleVar && a.principal === 'managedIdentityPrincipalId' && a.scope === scope,
    );
    expect(assignment).toBeDefined();
    expect(existing[scope]).toBe(on);
    expect(rbac).toMatch(
      new RegExp(`^resource ${scope} '[^']+' existing = \\{\\n(?:\\s*parent: \\w+\\n)?\\s*name: ${named}\\n`, 'm'),
    );
    // guid(scope, principal, role): the same three as the assignment itself, so a redeployment finds it again.
    expect([assignment!.nameScope, assignment!.namePrincipal, assignment!.nameRole]).toEqual([
      assignment!.scope,
      assignment!.principal,
      roleVar,
    ]);
  });

  it('grants the app identity nothing beyond those roles, and Service Bus roles on no whole namespace', () => {
    const granted = roleAssignments(rbac)
      .filter((a) => a.principal === 'managedIdentityPrincipalId')
      .map((a) => `${roleIds[a.role]} on ${a.scope}`);
    expect(granted.sort()).toEqual(needed.map((n) => `${n.id} on ${n.scope}`).sort());
    expect(roleAssignments(rbac).filter((a) => a.scope === 'serviceBus')).toEqual([]);
  });

  it('gives Data Owner only on the entities a trigger reads, and the topic, only published to, Data Sender', () => {
    const ownerVar = Object.keys(roleIds).find((k) => roleIds[k] === owner.id);
    const ownedScopes = roleAssignments(rbac)
      .filter((a) => a.role === ownerVar)
      .map((a) => a.scope)
      .sort();
    expect(ownedScopes).toEqual([
      'conversationIndexSubscription',
      'dynamicsActivitiesQueue',
      'dynamicsSubscription',
      'inboundQueue',
      'webhookDeliveriesQueue',
      'webhooksSubscription',
    ]);
    expect(
      readsQueue('inboundQueueName') && readsQueue('dynamicsActivitiesQueue') && readsQueue('webhookDeliveriesQueue'),
    ).toBe(true);
    expect(
      readsSubscription('dynamics') && readsSubscription('webhooks') && readsSubscription('conversation-index'),
    ).toBe(true);
    // Why it is there, next to the role, for whoever is tempted to narrow it back to Data Receiver.
    expect(rbac).toMatch(/target-based scaler/);
    expect(rbac).toMatch(/UnauthorizedAccessException/);
  });

  it('is given by main.bicep the entities servicebus.bicep declares', () => {
    const rbacModule = /^module rbac 'app\/rbac\.bicep' = \{\n([\s\S]*?)\n\}/m.exec(main)![1];
    expect(rbacModule).toMatch(/inboundQueueName: serviceBus\.outputs\.queueName\n/);
    expect(rbacModule).toMatch(/channelEventsTopicName: serviceBus\.outputs\.channelEventsTopicName\n/);
    expect(rbacModule).toMatch(/dynamicsSubscriptionName: serviceBus\.outputs\.dynamicsSubscriptionName\n/);
    expect(rbacModule).toMatch(/dynamicsActivitiesQueueName: serviceBus\.outputs\.dynamicsActivitiesQueueName\n/);
    expect(rbacModule).toMatch(/webhooksSubscriptionName: serviceBus\.outputs\.webhooksSubscriptionName\n/);
    expect(rbacModule).toMatch(
      /conversationIndexSubscriptionName: serviceBus\.outputs\.conversationIndexSubscriptionName\n/,
    );
    expect(rbacModule).toMatch(/webhookDeliveriesQueueName: serviceBus\.outputs\.webhookDeliveriesQueueName\n/);
    expect(serviceBus).toMatch(/^output webhooksSubscriptionName string = webhooksSubscription\.name$/m);
    expect(serviceBus).toMatch(
      /^output conversationIndexSubscriptionName string = conversationIndexSubscription\.name$/m,
    );
    expect(serviceBus).toMatch(/^output webhookDeliveriesQueueName string = webhookDeliveriesQueue\.name$/m);
  });

  it('names every role assignment in every template guid(scope, principal, role)', () => {
    for (const file of bicepFiles) {
      for (const a of roleAssignments(read(file))) {
        expect({ file, symbol: a.symbol, scope: a.nameScope, principal: a.namePrincipal, role: a.nameRole }).toEqual({
          file,
          symbol: a.symbol,
          scope: a.scope,
          principal: a.principal,
          role: a.role,
        });
      }
    }
  });

  it('uses no broad or owner-level role anywhere (Service Bus Data Owner is held to its entities above)', () => {
    const broad = {
      Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
      Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
      'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
      'Key Vault Administrator': '00482a5a-887f-4fb3-b363-3b7fe8e74483',
      'Storage Account Contributor': '17d1049b-9a84-46fb-8f53-869881c3d3ab',
    };
    const all = bicepFiles.map(read).join('\n');
    expect(Object.entries(broad).filter(([, id]) => all.includes(id))).toEqual([]);
  });
});

describe('the resources', () => {
  it('keeps the storage locally redundant unless geo-redundancy is asked for', () => {
    // The AVM storage module defaults to Standard_GRS: the template must pass its own SKU.
    expect(main).toMatch(/^param storageSkuName string = 'Standard_LRS'$/m);
    const storageModule = /^module storage '[^']+' = \{\n([\s\S]*?)\n\}/m.exec(main)![1];
    expect(storageModule).toMatch(/^\s*skuName: storageSkuName$/m);
  });

  it('holds maximumInstanceCount to the bounds Flex Consumption accepts', () => {
    expect(main).toMatch(
      /@minValue\(1\)\n@maxValue\(1000\)\n@description\([^\n]*\)\nparam maximumInstanceCount int = 100\n/,
    );
  });

  it('keeps routeInbound always ready only when asked, under the name Flex Consumption gives a function', () => {
    expect(main).toMatch(
      /@minValue\(0\)\n@maxValue\(10\)\n@description\([^\n]*\)\nparam routeInboundAlwaysReady int = 0\n/,
    );
    const apiModule = /^module api '[^']+' = \{\n([\s\S]*?)\n\}/m.exec(main)![1];
    expect(apiModule).toMatch(/^\s*routeInboundAlwaysReady: routeInboundAlwaysReady$/m);
    const scale = /scaleAndConcurrency: \{\n([\s\S]*?)\n {6}\}/.exec(api)![1];
    expect(scale).toMatch(
      /alwaysReady: routeInboundAlwaysReady > 0 \? \[\n\s*\{\n\s*name: 'function:routeInbound'\n\s*instanceCount: routeInboundAlwaysReady\n\s*\}\n\s*\] : \[\]/,
    );
    // The name must be the one the function registers, or the setting keeps nothing warm.
    expect(read('functions/routeInbound.ts')).toMatch(/app\.serviceBusQueue\('routeInbound',/);
  });

  it('bounds webhookTimeoutSeconds as the app does, 15 s by default, and passes it and the endpoints through', () => {
    expect(main).toMatch(
      /@minValue\(1\)\n@maxValue\(60\)\n@description\([^\n]*\)\nparam webhookTimeoutSeconds int = 15\n/,
    );
    // The app refuses what the template refuses, and accepts both bounds.
    for (const [seconds, accepted] of [
      ['0', false],
      ['1', true],
      ['60', true],
      ['61', false],
    ] as const) {
      const read = () => readWebhookTimeoutMs({ [webhookSettingNames.timeout]: seconds });
      if (accepted) expect(read()).toBe(Number(seconds) * 1000);
      else expect(read).toThrow(webhookSettingNames.timeout);
    }
    expect(readWebhookTimeoutMs({})).toBe(15_000);
    const apiModule = /^module api '[^']+' = \{\n([\s\S]*?)\n\}/m.exec(main)![1];
    expect(apiModule).toMatch(/^\s*webhookTimeoutSeconds: webhookTimeoutSeconds$/m);
    expect(apiModule).toMatch(/^\s*webhookEndpoints: webhookEndpoints$/m);
    expect(apiModule).toMatch(/^\s*webhookDeliveriesQueueName: serviceBus\.outputs\.webhookDeliveriesQueueName$/m);
  });

  it('names the webhook deliveries queue webhook-deliveries, and has no webhook endpoint by default', () => {
    expect(main).toMatch(/^@description\([^\n]*\)\nparam webhookDeliveriesQueueName string = 'webhook-deliveries'$/m);
    const serviceBusModule = /^module serviceBus '[^']+' = \{\n([\s\S]*?)\n\}/m.exec(main)![1];
    expect(serviceBusModule).toMatch(/^\s*webhookDeliveriesQueueName: webhookDeliveriesQueueName$/m);
    expect(main).toMatch(/^@description\('[^\n]*WEBHOOK_ENDPOINTS[^\n]*'\)\nparam webhookEndpoints string = ''$/m);
    expect(read('infra/main.parameters.json')).toContain('"value": "${WEBHOOK_ENDPOINTS=}"');
    // The sample local settings name the same queue.
    const sample = JSON.parse(read('local.settings.sample.json')) as { Values: Record<string, string> };
    expect(sample.Values.WEBHOOK_DELIVERIES_QUEUE).toBe('webhook-deliveries');
  });

  it('runs the app on Flex Consumption, Node 22, as the user-assigned identity', () => {
    expect(main).toMatch(/name: 'FC1'\n\s*tier: 'FlexConsumption'/);
    expect(api).toMatch(/kind: 'functionapp,linux'/);
    expect(api).toMatch(/runtime: \{\n\s*name: 'node'\n\s*version: '22'/);
    expect(api).toMatch(/userAssignedResourceIds: \[\n\s*identityId\n/);
    expect(api).toMatch(/authentication: \{\n\s*type: 'UserAssignedIdentity'/);
  });

  it('turns off every key-based door: storage shared keys, Service Bus SAS, Application Insights local auth', () => {
    expect(main).toMatch(/allowSharedKeyAccess: false/);
    expect(main).toMatch(/allowBlobPublicAccess: false/);
    expect(main).toMatch(/module monitoring [^\n]*\n[\s\S]*?disableLocalAuth: true/);
    expect(serviceBus).toMatch(/disableLocalAuth: true/);
  });

  it('makes the Key Vault RBAC-only and creates no secret in it', () => {
    expect(keyVault).toMatch(/enableRbacAuthorization: true/);
    expect(keyVault).not.toMatch(/accessPolicies/);
    expect(bicepFiles.map(read).join('\n')).not.toMatch(/Microsoft\.KeyVault\/vaults\/secrets/);
  });

  /** The body of a Service Bus entity resource in servicebus.bicep, by its symbol. */
  function entity(symbol: string): string {
    const m = new RegExp(
      `^resource ${symbol} 'Microsoft\\.ServiceBus/namespaces/[\\w/]+@[^']+' = \\{\\n([\\s\\S]*?)\\n\\}$`,
      'm',
    ).exec(serviceBus);
    if (!m) throw new Error(`servicebus.bicep has no entity ${symbol}`);
    return m[1];
  }
  /** The duplicate detection window of an entity, in seconds, and the comments written above it. */
  function duplicateWindow(body: string) {
    const window = /duplicateDetectionHistoryTimeWindow: 'PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?'/.exec(body);
    if (!window) throw new Error('no duplicateDetectionHistoryTimeWindow');
    const seconds = Number(window[1] ?? 0) * 3600 + Number(window[2] ?? 0) * 60 + Number(window[3] ?? 0);
    const comment = body
      .slice(0, window.index)
      .split('\n')
      .filter((line) => line.trim().startsWith('//'))
      .join(' ');
    return { seconds, comment };
  }
  const serviceBusEntities = [
    ...serviceBus.matchAll(/^resource (\w+) 'Microsoft\.ServiceBus\/namespaces\/([\w/]+)@[^']+' = \{\n/gm),
  ].map((m) => ({ symbol: m[1], type: m[2] }));

  it('declares the inbound queue, the channel events topic with three subscriptions, and the activities and webhook deliveries queues', () => {
    expect(serviceBusEntities).toEqual([
      { symbol: 'queue', type: 'queues' },
      { symbol: 'channelEventsTopic', type: 'topics' },
      { symbol: 'dynamicsSubscription', type: 'topics/subscriptions' },
      { symbol: 'webhooksSubscription', type: 'topics/subscriptions' },
      { symbol: 'conversationIndexSubscription', type: 'topics/subscriptions' },
      { symbol: 'dynamicsActivitiesQueue', type: 'queues' },
      { symbol: 'webhookDeliveriesQueue', type: 'queues' },
    ]);
    expect(entity('queue')).toMatch(/^\s*name: queueName$/m);
    expect(entity('channelEventsTopic')).toMatch(/^\s*name: channelEventsTopicName$/m);
    expect(entity('dynamicsSubscription')).toMatch(/^\s*parent: channelEventsTopic$/m);
    expect(entity('dynamicsActivitiesQueue')).toMatch(/^\s*name: dynamicsActivitiesQueueName$/m);
    expect(entity('webhooksSubscription')).toMatch(/^\s*parent: channelEventsTopic$/m);
    expect(entity('webhooksSubscription')).toMatch(/^\s*name: 'webhooks'$/m);
    expect(entity('conversationIndexSubscription')).toMatch(/^\s*parent: channelEventsTopic$/m);
    expect(entity('conversationIndexSubscription')).toMatch(/^\s*name: 'conversation-index'$/m);
    expect(entity('webhookDeliveriesQueue')).toMatch(/^\s*name: webhookDeliveriesQueueName$/m);
  });

  it('makes the queue session-enabled, deduplicating, dead-lettering, with ten deliveries', () => {
    const queue = entity('queue');
    expect(serviceBus).toMatch(/name: 'Standard'/);
    expect(queue).toMatch(/requiresSession: true/);
    expect(queue).toMatch(/requiresDuplicateDetection: true/);
    expect(queue).toMatch(/maxDeliveryCount: 10\n/);
    expect(queue).toMatch(/deadLetteringOnMessageExpiration: true/);
  });

  it('keeps duplicates out for longer than Telesign retries, and says why', () => {
    const { seconds, comment } = duplicateWindow(entity('queue'));
    // Telesign retries an inbound SMS after 10 s and again after 30 s.
    expect(seconds).toBeGreaterThan(40);
    expect(comment).toMatch(/Telesign retries/);
  });

  it('deduplicates the channel events for as long as the inbound queue redelivers, and says why', () => {
    const topic = entity('channelEventsTopic');
    expect(topic).toMatch(/requiresDuplicateDetection: true/);
    const { seconds, comment } = duplicateWindow(topic);
    // Ten deliveries of the inbound queue, each holding its lock for at most host.json's five minutes, take at
    // most fifty minutes.
    expect(seconds).toBeGreaterThanOrEqual(3600);
    expect(comment).toMatch(/redelivered/);
  });

  it.each(['dynamicsSubscription', 'webhooksSubscription', 'conversationIndexSubscription'])(
    'reads the topic through session subscriptions that dead-letter after ten deliveries (%s)',
    (symbol) => {
      const subscription = entity(symbol);
      expect(subscription).toMatch(/requiresSession: true/);
      expect(subscription).toMatch(/maxDeliveryCount: 10\n/);
      expect(subscription).toMatch(/defaultMessageTimeToLive: 'P14D'\n/);
      expect(subscription).toMatch(/deadLetteringOnMessageExpiration: true/);
      expect(subscription).toMatch(/deadLetteringOnFilterEvaluationExceptions: true/);
      expect(subscription).toMatch(/lockDuration: 'PT1M'\n/);
    },
  );

  it('declares exactly the subscriptions the functions read, so none fills up unread', () => {
    const read = filesUnder('functions')
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(path.join(root, f), 'utf8').matchAll(/subscriptionName: '([\w-]+)'/g)])
      .map((m) => m[1]);
    const declared = serviceBusEntities
      .filter((e) => e.type === 'topics/subscriptions')
      .map((e) => /^\s*name: '([\w-]+)'$/m.exec(entity(e.symbol))![1]);
    expect(read.length).toBeGreaterThan(0);
    expect(declared.sort()).toEqual([...new Set(read)].sort());
  });

  it("makes the activities queue session-enabled and deduplicating across the webhook's retries, and says why", () => {
    const queue = entity('dynamicsActivitiesQueue');
    expect(queue).toMatch(/requiresSession: true/);
    expect(queue).toMatch(/requiresDuplicateDetection: true/);
    expect(queue).toMatch(/maxDeliveryCount: 10\n/);
    expect(queue).toMatch(/deadLetteringOnMessageExpiration: true/);
    const { seconds, comment } = duplicateWindow(queue);
    // Dynamics makes up to three webhook attempts of ten seconds each (docs/dynamics-protocol.md §5).
    expect(seconds).toBeGreaterThan(30);
    expect(comment).toMatch(/Dynamics retries/);
  });

  it('makes the webhook deliveries queue one session per endpoint and thread, retried by scheduled messages, and says why', () => {
    const queue = entity('webhookDeliveriesQueue');
    expect(queue).toMatch(/requiresSession: true/);
    expect(queue).toMatch(/requiresDuplicateDetection: true/);
    expect(queue).toMatch(/maxDeliveryCount: 10\n/);
    expect(queue).toMatch(/defaultMessageTimeToLive: 'P14D'\n/);
    expect(queue).toMatch(/deadLetteringOnMessageExpiration: true/);
    expect(queue).toMatch(/lockDuration: 'PT1M'\n/);
    // The session id the sender gives each delivery: the endpoint and the thread.
    expect(read('shared/queue/webhookDeliveryQueue.ts')).toMatch(
      /sessionId: deliverySessionId\(delivery\.endpoint, delivery\.threadId\)/,
    );
    expect(queue).toMatch(/One session per endpoint and thread/);
    // A fan-out redelivered after a failure queues the same ids again, for as long as the topic's own window.
    const { seconds, comment } = duplicateWindow(queue);
    expect(seconds).toBe(duplicateWindow(entity('channelEventsTopic')).seconds);
    expect(comment).toMatch(/fanOutWebhooks queues each delivery with messageId = <eventId>\.<endpoint key>/);
    // Retries wait in Service Bus as scheduled messages, on the schedule the code keeps, each well within the time
    // to live (counted from when the scheduled message is enqueued).
    expect(queue).toMatch(/scheduledEnqueueTimeUtc/);
    expect(read('shared/queue/webhookDeliveryQueue.ts')).toMatch(/scheduledEnqueueTimeUtc: dueAt/);
    const unit = { s: 1000, min: 60_000, h: 3_600_000 } as const;
    const schedule = /the Standard Webhooks schedule ([^)]*)\)/
      .exec(queue.replace(/\n\s*\/\/ /g, ' '))![1]
      .split(', ')
      .map((pause) => {
        const [n, u] = pause.split(' ');
        return Number(n) * (u ? unit[u as keyof typeof unit] : 1);
      });
    expect(schedule).toEqual([...WEBHOOK_RETRY_SCHEDULE_MS]);
    expect(Math.max(...schedule)).toBeLessThan(14 * 24 * unit.h);
  });

  it('describes every parameter', () => {
    for (const file of bicepFiles) {
      const lines = read(file).split('\n');
      lines.forEach((line, i) => {
        if (!line.startsWith('param ')) return;
        let start = i;
        while (
          start > 0 &&
          lines[start - 1].trim() !== '' &&
          !/^(param|var|resource|module|output) /.test(lines[start - 1])
        )
          start--;
        expect({
          file,
          param: line,
          described: lines.slice(start, i).some((l) => l.startsWith('@description(')),
        }).toEqual({ file, param: line, described: true });
      });
    }
  });

  it('gives azd and the deployment guide what they need as outputs', () => {
    for (const output of [
      'AZURE_FUNCTION_NAME',
      'AZURE_RESOURCE_GROUP',
      'TELESIGN_CALLBACK_URL',
      'KEY_VAULT_NAME',
      'SERVICE_BUS_NAMESPACE',
      'INBOUND_QUEUE_NAME',
      'CHANNEL_EVENTS_TOPIC',
      'DYNAMICS_ACTIVITIES_QUEUE',
      'WEBHOOK_DELIVERIES_QUEUE',
      'DYNAMICS_WEBHOOK_URL',
      'MANAGED_IDENTITY_CLIENT_ID',
      'MANAGED_IDENTITY_PRINCIPAL_ID',
    ]) {
      expect(main).toMatch(new RegExp(`^output ${output} string = `, 'm'));
    }
    expect(main).toMatch(/TELESIGN_CALLBACK_URL string = 'https:\/\/\$\{[^}]+\}\/api\/telesign\/callback'/);
    // The base URL of docs/dynamics-protocol.md §1: Dynamics appends the path the webhook function registers.
    const webhook = /^output DYNAMICS_WEBHOOK_URL string = 'https:\/\/\$\{[^}]+\}\/api\/(\w+)'$/m.exec(main);
    expect(webhook).not.toBeNull();
    const routes = filesUnder('functions')
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...read(f).matchAll(/route: '([^']+)'/g)].map((m) => m[1]));
    expect(routes).toContain(`${webhook![1]}/v3/conversations/{conversationId}/activities`);
  });

  it('passes each module every parameter it requires, and none it does not have', () => {
    const modules = [...main.matchAll(/^module (\w+) '(app\/\w+\.bicep)' = (?:if \([^\n]*\) )?\{\n([\s\S]*?)\n\}/gm)];
    expect(modules.map((m) => m[2]).sort()).toEqual(
      bicepFiles
        .filter((f) => f.startsWith('infra/app/'))
        .map((f) => f.slice('infra/'.length))
        .sort(),
    );
    for (const m of modules) {
      const params = [...read(`infra/${m[2]}`).matchAll(/^param (\w+) \w+( = .*)?$/gm)].map((p) => ({
        name: p[1],
        required: p[2] === undefined,
      }));
      const block = /^ {2}params: \{\n([\s\S]*?)\n {2}\}/m.exec(m[3]);
      const given = [...(block?.[1] ?? '').matchAll(/^ {4}(\w+): /gm)].map((g) => g[1]);
      const names = new Set(params.map((p) => p.name));
      expect({ module: m[1], unknown: given.filter((g) => !names.has(g)) }).toEqual({ module: m[1], unknown: [] });
      expect({
        module: m[1],
        missing: params.filter((p) => p.required && !given.includes(p.name)).map((p) => p.name),
      }).toEqual({
        module: m[1],
        missing: [],
      });
    }
  });
});

describe('alerts in infra/app/alerts.bicep', () => {
  /** Resources of alerts.bicep: symbol, type, API version and body. */
  const resources = [
    ...alerts.matchAll(/^resource (\w+) '([\w./]+)@([\w-]+)'( existing)? = \{\n([\s\S]*?)\n\}$/gm),
  ].map((m) => ({ symbol: m[1], type: m[2], apiVersion: m[3], existing: Boolean(m[4]), body: m[5] }));
  const resource = (symbol: string) => {
    const found = resources.find((r) => r.symbol === symbol);
    if (!found) throw new Error(`alerts.bicep has no resource ${symbol}`);
    return found;
  };
  const alertRules = resources.filter((r) => /^Microsoft\.Insights\/(metricAlerts|scheduledQueryRules)$/.test(r.type));
  const alertsModule = /^module alerts 'app\/alerts\.bicep' = (if \([^\n]*\) )?\{\n([\s\S]*?)\n\}$/m.exec(main);
  const logMessages = [...filesUnder('shared'), ...filesUnder('functions')]
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [
      ...read(f).matchAll(/\b(?:logger|ctx)\??\.(?:debug|info|warn|error|log)(?:\?\.)?\(\s*(?:[^']*\? )?'([^']+)'/g),
    ])
    .map((m) => m[1]);

  it('is deployed by main.bicep only when alertEmail is given, and says so', () => {
    expect(alertsModule).not.toBeNull();
    expect(alertsModule![1]).toBe('if (!empty(alertEmail)) ');
    expect(main).toMatch(
      /^@description\('[^\n]*Optional: empty deploys no alerts[^\n]*'\)\nparam alertEmail string = ''$/m,
    );
    expect(read('infra/main.parameters.json')).toContain('"value": "${ALERT_EMAIL=}"');
    const params = alertsModule![2];
    expect(params).toMatch(/^\s*alertEmail: alertEmail$/m);
    expect(params).toMatch(/^\s*serviceBusNamespaceName: serviceBus\.outputs\.name$/m);
    expect(params).toMatch(/^\s*applicationInsightsName: monitoring\.outputs\.name$/m);
    expect(params).toMatch(/^\s*signatureFailureThreshold: signatureFailureAlertThreshold$/m);
    expect(params).toMatch(/^\s*sendFailureThreshold: sendFailureAlertThreshold$/m);
    expect(main).toMatch(/^param signatureFailureAlertThreshold int = 20$/m);
    expect(main).toMatch(/^param sendFailureAlertThreshold int = 20$/m);
  });

  it('uses the resource types and API versions it was written against', () => {
    expect(resources.map((r) => `${r.symbol} ${r.type}@${r.apiVersion}`)).toEqual([
      'serviceBusNamespace Microsoft.ServiceBus/namespaces@2024-01-01',
      'applicationInsights Microsoft.Insights/components@2020-02-02',
      'actionGroup Microsoft.Insights/actionGroups@2023-01-01',
      'deadLetterAlert Microsoft.Insights/metricAlerts@2018-03-01',
      'signatureFailureAlert Microsoft.Insights/scheduledQueryRules@2022-06-15',
      'sendFailureAlert Microsoft.Insights/scheduledQueryRules@2022-06-15',
      'healthTest Microsoft.Insights/webtests@2022-06-15',
      'healthAlert Microsoft.Insights/metricAlerts@2018-03-01',
    ]);
    expect(resource('serviceBusNamespace').existing && resource('applicationInsights').existing).toBe(true);
  });

  it('mails the one action group at alertEmail, from every alert', () => {
    const group = resource('actionGroup').body;
    expect(group).toMatch(/^\s*emailAddress: alertEmail$/m);
    expect(group).toMatch(/^\s*location: 'global'$/m);
    const shortName = /groupShortName: '([^']+)'/.exec(group);
    expect(shortName![1].length).toBeLessThanOrEqual(12);
    expect(alertRules.map((r) => r.symbol)).toEqual([
      'deadLetterAlert',
      'signatureFailureAlert',
      'sendFailureAlert',
      'healthAlert',
    ]);
    for (const rule of alertRules) {
      const targets =
        rule.type === 'Microsoft.Insights/metricAlerts'
          ? [...rule.body.matchAll(/actionGroupId: (\S+)/g)].map((m) => m[1])
          : [.../actionGroups: \[\n([\s\S]*?)\n\s*\]/.exec(rule.body)![1].matchAll(/^\s*(\S+)$/gm)].map((m) => m[1]);
      expect({ rule: rule.symbol, targets }).toEqual({ rule: rule.symbol, targets: ['actionGroup.id'] });
      expect(rule.body).toMatch(/^\s*enabled: true$/m);
      expect(rule.body).toMatch(/^\s*description: '[^']*docs\/operations\.md[^']*'$/m);
    }
  });

  it('alerts on dead letters of every entity of the namespace, each on its own', () => {
    const rule = resource('deadLetterAlert').body;
    expect(rule).toMatch(/^\s*serviceBusNamespace\.id$/m);
    expect(rule).toMatch(/'odata\.type': 'Microsoft\.Azure\.Monitor\.SingleResourceMultipleMetricCriteria'/);
    expect(rule).toMatch(/metricNamespace: 'Microsoft\.ServiceBus\/namespaces'/);
    expect(rule).toMatch(/metricName: 'DeadletteredMessages'/);
    expect(rule).toMatch(/name: 'EntityName'\n\s*operator: 'Include'\n\s*values: \[\n\s*'\*'\n/);
    expect(rule).toMatch(/operator: 'GreaterThan'\n\s*threshold: 0\n/);
  });

  it('counts, in the log alerts, exactly the lines the code logs for a refused signature and a failed send', () => {
    const signature = /^var signatureFailureMessage = '([^']+)'$/m.exec(alerts)![1];
    const sends = [.../^var sendFailureMessages = \[\n([\s\S]*?)\n\]$/m.exec(alerts)![1].matchAll(/'([^']+)'/g)].map(
      (m) => m[1],
    );
    // The message ingest.ts logs when the verifier refuses a callback, and the two send.ts logs for a send that
    // failed or whose outcome is unknown.
    expect(signature).toBe('callback refused: not authentic');
    expect(read('shared/services/ingest.ts')).toContain(
      `deps.logger.warn('${signature}', { reason: verified.reason })`,
    );
    expect(sends).toEqual(['message not sent', 'message outcome unknown; not resent']);
    for (const message of sends) expect(read('shared/services/send.ts')).toContain(`deps.logger.warn('${message}'`);
    // `startswith` must find these lines and no other.
    for (const message of [signature, ...sends]) {
      expect({ message, lines: logMessages.filter((m) => m.startsWith(message)) }).toEqual({
        message,
        lines: [message],
      });
    }
    expect(resource('signatureFailureAlert').body).toContain(
      `query: 'traces | where message startswith "\${signatureFailureMessage}" | summarize failures = sum(itemCount)'`,
    );
    expect(resource('sendFailureAlert').body).toContain(
      `query: 'traces | where message startswith "\${sendFailureMessages[0]}" or message startswith "\${sendFailureMessages[1]}" | summarize failures = sum(itemCount)'`,
    );
    for (const [symbol, threshold] of [
      ['signatureFailureAlert', 'signatureFailureThreshold'],
      ['sendFailureAlert', 'sendFailureThreshold'],
    ]) {
      const body = resource(symbol).body;
      expect(body).toMatch(/^\s*kind: 'LogAlert'$/m);
      expect(body).toMatch(/^\s*applicationInsights\.id$/m);
      expect(body).toMatch(/metricMeasureColumn: 'failures'\n\s*operator: 'GreaterThan'\n/);
      expect(body).toMatch(new RegExp(`^\\s*threshold: ${threshold}$`, 'm'));
      expect(body).toMatch(/^\s*windowSize: rateWindow$/m);
      expect(alerts).toMatch(new RegExp(`^param ${threshold} int = 20$`, 'm'));
    }
  });

  it('tests GET /api/health from several locations with a standard web test, and alerts on it', () => {
    const test = resource('healthTest').body;
    expect(test).toMatch(/^\s*kind: 'standard'$/m);
    expect(test).toMatch(/^\s*Kind: 'standard'$/m);
    expect(test).toMatch(/'hidden-link:\$\{applicationInsights\.id\}': 'Resource'/);
    expect(test).toMatch(/RequestUrl: healthUrl\n\s*HttpVerb: 'GET'/);
    expect(test).toMatch(/ExpectedHttpStatusCode: 200/);
    expect(alertsModule![2]).toMatch(/^\s*healthUrl: 'https:\/\/\$\{api\.outputs\.defaultHostName\}\/api\/health'$/m);
    const health = read('functions/health.ts');
    expect(health).toMatch(/methods: \['GET'\],\n\s*authLevel: 'anonymous',\n\s*route: 'health',/);
    const locations = /^param availabilityTestLocations array = \[\n([\s\S]*?)\n\]$/m.exec(alerts)![1];
    expect([...locations.matchAll(/'([\w-]+)'/g)].length).toBeGreaterThanOrEqual(5);
    const rule = resource('healthAlert').body;
    expect(rule).toMatch(/'odata\.type': 'Microsoft\.Azure\.Monitor\.WebtestLocationAvailabilityCriteria'/);
    expect(rule).toMatch(/webTestId: healthTest\.id\n\s*componentId: applicationInsights\.id\n/);
    expect(rule).toMatch(/scopes: \[\n\s*healthTest\.id\n\s*applicationInsights\.id\n/);
  });

  it('is explained in docs/operations.md, alert by alert, and linked from the deployment guide and the README', () => {
    const guide = read('docs/operations.md');
    for (const name of ['dead-letters', 'callback-signatures', 'telesign-sends', 'health']) {
      expect(alerts).toContain(`name: 'alert-\${namePrefix}-${name}'`);
      expect(guide).toContain(`\`alert-sms-<token>-${name}\``);
    }
    expect(alertsModule![2]).toMatch(/^\s*namePrefix: 'sms-\$\{resourceToken\}'$/m);
    expect(read('docs/deploy.md')).toContain('docs/operations.md');
    expect(read('README.md')).toContain('docs/operations.md');
  });
});

describe('parameters and azd', () => {
  const params = [...main.matchAll(/^param (\w+) (\w+)( = .*)?$/gm)].map((m) => ({
    name: m[1],
    required: m[3] === undefined,
  }));
  const parameterFile = JSON.parse(read('infra/main.parameters.json')) as {
    parameters: Record<string, { value: unknown }>;
  };

  it('main.parameters.json names only main.bicep parameters and gives every required one', () => {
    const names = new Set(params.map((p) => p.name));
    expect(Object.keys(parameterFile.parameters).filter((p) => !names.has(p))).toEqual([]);
    expect(params.filter((p) => p.required && !(p.name in parameterFile.parameters)).map((p) => p.name)).toEqual([]);
  });

  it('azure.yaml deploys the folder npm run package stages, without a server-side build', () => {
    const azure = parseYaml(read('azure.yaml')) as {
      services: Record<string, { host: string; language: string; project: string; dist: string; remoteBuild: boolean }>;
    };
    const service = azure.services.api;
    expect(service).toMatchObject({ host: 'function', project: '.', remoteBuild: false });
    expect(path.normalize(service.dist)).toBe(path.join(PACKAGE_DIR, 'app'));
    expect(main).toMatch(/output SERVICE_API_NAME string/);
  });
});

describe('no secret in the templates', () => {
  const templateFiles = [...filesUnder('infra'), 'azure.yaml'];
  const texts = templateFiles.map((file) => ({ file, text: read(file) }));

  it('holds no key, connection string, password or key-listing function', () => {
    const patterns = [
      /AccountKey=/i,
      /SharedAccessKey(Name)?=/i,
      /SharedAccessSignature/i,
      /InstrumentationKey=/i,
      /[?&]sig=/i,
      /password/i,
      /listKeys\(/i,
      /listConnectionStrings\(/i,
      /listSecrets\(/i,
      /\.primaryKey|\.secondaryKey|primaryConnectionString/i,
      /-----BEGIN/,
      /apiKey"\s*:/, // a Telesign key field in an accounts file
    ];
    const found = texts.flatMap(({ file, text }) => patterns.filter((p) => p.test(text)).map((p) => `${file}: ${p}`));
    expect(found).toEqual([]);
  });

  it('holds no long base64 or hex literal (the shape of keys and tokens)', () => {
    const found = texts.flatMap(({ file, text }) =>
      [...text.matchAll(/['"]([A-Za-z0-9+/=_-]{32,})['"]/g)]
        .map((m) => m[1])
        .filter((literal) => /\d/.test(literal)) // setting names such as AzureWebJobsStorage__queueServiceUri are words, keys are not
        .filter((literal) => !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(literal)) // GUIDs: role definition ids, Telesign customer ids
        .map((literal) => `${file}: ${literal}`),
    );
    expect(found).toEqual([]);
  });

  it('does not carry the sample API key of local.settings.sample.json', () => {
    const sample = JSON.parse(read('local.settings.sample.json')) as { Values: Record<string, string> };
    const localSecrets = Object.values(JSON.parse(sample.Values.LOCAL_SECRETS ?? '{}') as Record<string, string>);
    expect(localSecrets.length).toBeGreaterThan(0);
    expect(texts.filter(({ text }) => localSecrets.some((secret) => text.includes(secret))).map((t) => t.file)).toEqual(
      [],
    );
  });

  it('gives no secure parameter a default value, and takes parameter values from the environment only', () => {
    for (const file of bicepFiles) {
      expect(read(file)).not.toMatch(/@secure\(\)\s*\n(@[^\n]*\n)*param \w+ \w+ = /);
    }
    for (const [name, { value }] of Object.entries(parameterFile())) {
      expect([name, value]).toEqual([name, expect.stringMatching(/^\$\{[A-Z_]+(=[^}]*)?\}$/)]);
    }
  });

  function parameterFile() {
    return (JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> })
      .parameters;
  }
});

describe('docs/deploy.md', () => {
  const guide = read('docs/deploy.md');
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

  it('has operators build the Bicep before deploying it', () => {
    expect(guide).toMatch(/az bicep build --file infra\/main\.bicep/);
  });

  it('runs only npm scripts that package.json defines', () => {
    const used = [...guide.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
    expect(used).toContain('package');
    expect(used.filter((s) => !(s in scripts))).toEqual([]);
  });

  it('names only files that exist', () => {
    const mentioned = [...guide.matchAll(/`((?:infra|docs|local|shared|functions)\/[\w./-]+\.\w+)`/g)].map((m) => m[1]);
    expect(mentioned.length).toBeGreaterThan(0);
    expect(mentioned.filter((file) => !filesUnder(path.dirname(file)).includes(file))).toEqual([]);
  });

  it('calls only routes the functions register', () => {
    const routes = readdirSync(path.join(root, 'functions'))
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...read(`functions/${f}`).matchAll(/route: '([^']+)'/g)].map((m) => m[1]));
    const called = [...guide.matchAll(/\/api\/([\w/{}-]+)/g)].map((m) => m[1].replace(/\/$/, ''));
    expect(called.length).toBeGreaterThan(0);
    expect(called.filter((route) => !routes.includes(route))).toEqual([]);
  });
});

describe('docs/dynamics.md, the bridge setup', () => {
  const guide = read('docs/dynamics.md');
  const setup = guide.slice(guide.indexOf('## The Messaging API bridge: setup'));

  it('lists every setting of the bridge in its table, and no other', () => {
    const listed = [...setup.matchAll(/^\| `(DYNAMICS_\w+)` \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.values(dynamicsSettingNames).sort());
    expect(setup).toContain(`\`${settingNames.channelEventsTopic}\``);
    expect(setup).toContain(`\`${settingNames.dynamicsActivitiesQueue}\``);
  });

  it('creates the channel record with the Messaging API choice and the webhook base URL the template outputs', () => {
    expect(setup).toMatch(/Xrm\.WebApi\.createRecord\("msdyn_occustommessagingchannel", \{/);
    expect(setup).toMatch(/msdyn_occustomchannelid: 192350005,/);
    for (const field of ['msdyn_name', 'msdyn_appid', 'msdyn_tenantid', 'msdyn_webhookurl']) {
      expect(setup).toMatch(new RegExp(`^\\s*${field}: `, 'm'));
    }
    expect(setup).toContain('msdyn_webhookurl: "https://<function app>.azurewebsites.net/api/dynamics"');
    expect(main).toContain(
      "output DYNAMICS_WEBHOOK_URL string = 'https://${api.outputs.defaultHostName}/api/dynamics'",
    );
  });

  it('sets up both federated credentials on the Entra app, for the managed identity and for the webhook', () => {
    const credentials = [
      ...setup.matchAll(/az ad app federated-credential create --id "\$APP_ID" --parameters '\{([\s\S]*?)\}'/g),
    ];
    expect(credentials.map((c) => /"subject": "<(\w+)>"/.exec(c[1])?.[1])).toEqual([
      'MANAGED_IDENTITY_PRINCIPAL_ID',
      'FICSubject',
    ]);
    expect(main).toMatch(/^output MANAGED_IDENTITY_PRINCIPAL_ID string = identity\.outputs\.principalId$/m);
  });

  it('sets through azd only parameters that main.parameters.json reads', () => {
    const parameterFile = read('infra/main.parameters.json');
    const set = [...setup.matchAll(/^azd env set (\w+) /gm)].map((m) => m[1]);
    expect(set.length).toBeGreaterThan(0);
    expect(set.filter((name) => !parameterFile.includes(`\${${name}=`))).toEqual([]);
  });

  it('names only files that exist, and calls only routes the functions register', () => {
    const mentioned = [...guide.matchAll(/`((?:infra|docs|local|shared|functions)\/[\w./-]+\.\w+)`/g)].map((m) => m[1]);
    expect(mentioned.length).toBeGreaterThan(0);
    expect(mentioned.filter((file) => !filesUnder(path.dirname(file)).includes(file))).toEqual([]);
    const routes = filesUnder('functions')
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...read(f).matchAll(/route: '([^']+)'/g)].map((m) => m[1]));
    const called = [...setup.matchAll(/\/api\/(dynamics\/[\w/{}-]+)/g)].map((m) =>
      m[1].replace(/\/00000000-0000-0000-0000-000000000001\//, '/{conversationId}/'),
    );
    expect(called.length).toBeGreaterThan(0);
    expect(called.filter((route) => !routes.includes(route))).toEqual([]);
  });
});
