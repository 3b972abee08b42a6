targetScope = 'subscription'

// Everything the Telesign SMS channel runs on, in one resource group: a Flex Consumption function app that
// reaches storage, Service Bus, Key Vault and Application Insights with one user-assigned identity and no keys.
// Layout after Azure-Samples/functions-quickstart-typescript-azd; deploy with `azd provision` or
// `az deployment sub create` (docs/deploy.md).

@minLength(1)
@maxLength(64)
@description('Name of the environment (the azd environment, or a short name such as prod). Names the resource group and seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer Flex Consumption: az functionapp list-flexconsumption-locations.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create; empty for rg-<environmentName>.')
param resourceGroupName string = ''

@minLength(1)
@description('The Telesign accounts this channel serves, as the app reads them from TELESIGN_ACCOUNTS: customerId, apiKeySecretName (the name of the Key Vault secret that holds the API key: the key itself is never a parameter), defaultSupportNumber, supportNumbers. Example: infra/telesign-accounts.example.json.')
param telesignAccounts array

@description('Telesign REST endpoint: https://rest-api.telesign.com, or https://rest-ww.telesign.com for enterprise accounts.')
param telesignApiBaseUrl string = 'https://rest-api.telesign.com'

@description('Routing rules as the app reads them from ROUTING_RULES (defaultQueue, defaultPriority, ordered rules); empty sends every conversation to the queue named default.')
param routingRules object = {}

@minValue(0)
@maxValue(86400)
@description('Seconds an API key read from Key Vault stays cached in memory (SECRET_CACHE_TTL_SECONDS). A rotated key is picked up at the latest after this, or at once when Telesign refuses the old one.')
param secretCacheTtlSeconds int = 600

@minValue(0)
@maxValue(3650)
@description('Idle days after which the hourly auto-close closes an open conversation (no agent yet); 0 never closes it.')
param autoCloseOpenDays int = 30

@minValue(0)
@maxValue(3650)
@description('Idle days after which the hourly auto-close closes an active conversation (an agent assigned); 0 never closes it.')
param autoCloseActiveDays int = 30

@minValue(0)
@maxValue(3650)
@description('Idle days after which the hourly auto-close closes a waiting conversation; 0 never closes it.')
param autoCloseWaitingDays int = 7

@description('Name of the session-enabled Service Bus queue between the callback and the router (INBOUND_QUEUE_NAME).')
param inboundQueueName string = 'sms-inbound'

@description('Name of the Service Bus topic the channel events are published to after each commit (CHANNEL_EVENTS_TOPIC); the Dynamics bridge, the outbound webhooks and the conversations index read it.')
param channelEventsTopicName string = 'channel-events'

@description('Name of the session-enabled Service Bus queue the Dynamics webhook\'s activities wait in (DYNAMICS_ACTIVITIES_QUEUE).')
param dynamicsActivitiesQueueName string = 'dynamics-activities'

@description('Name of the session-enabled Service Bus queue the outbound webhook deliveries and their scheduled retries wait in (WEBHOOK_DELIVERIES_QUEUE).')
param webhookDeliveriesQueueName string = 'webhook-deliveries'

@description('The outbound webhook endpoints as the app reads them from WEBHOOK_ENDPOINTS: a JSON array, as a string, of { "name" (optional), "url" (https), "secretName" (the name of the Key Vault secret that holds its whsec_ signing secret: the secret itself is never a parameter), "events" (event types, or ["*"]) }. Empty (the default) delivers no webhook and leaves the setting unset (docs/webhooks.md).')
param webhookEndpoints string = ''

@minValue(1)
@maxValue(60)
@description('Seconds a webhook delivery waits for the endpoint to answer before it counts as failed and is retried (WEBHOOK_TIMEOUT_SECONDS).')
param webhookTimeoutSeconds int = 15

@description('Messaging API base URL of the Dynamics organisation, https://m-<organization id>.<geo>.omnichannelengagementhub.com (DYNAMICS_MESSAGING_URL). Empty leaves the Dynamics bridge off: then no DYNAMICS_* setting is set and the parameters below are ignored (docs/dynamics.md).')
param dynamicsMessagingUrl string = ''

@description('GUID of the Dynamics organisation (DYNAMICS_ORGANIZATION_ID); required with dynamicsMessagingUrl.')
param dynamicsOrganizationId string = ''

@description('Id of the msdyn_occustommessagingchannel record (DYNAMICS_CHANNEL_ID); required with dynamicsMessagingUrl.')
param dynamicsChannelId string = ''

@description('Client id of the Entra app registered on that channel record (DYNAMICS_APP_ID); required with dynamicsMessagingUrl.')
param dynamicsAppId string = ''

@description('Scope of the Messaging API token, whole, such as https://<organization id without dashes>-c.<zone>.dynamics.com/.default (DYNAMICS_TOKEN_SCOPE); required with dynamicsMessagingUrl.')
param dynamicsTokenScope string = ''

@description('Entra tenant of that app (DYNAMICS_TENANT_ID); empty for the tenant of this deployment.')
param dynamicsTenantId string = ''

@allowed([
  'e164'
  'digits'
  'national'
  'nationalDigits'
])
@description('How the customer\'s number is written into a new Dynamics conversation, the form Dynamics stores on contacts (DYNAMICS_CUSTOMER_PHONE_FORMAT).')
param dynamicsCustomerPhoneFormat string = 'e164'

@description('Any other DYNAMICS_* setting, by name, such as { "DYNAMICS_ON_CONVERSATION_NOT_FOUND": "deadLetter" } (docs/dynamics.md lists them); set only with dynamicsMessagingUrl.')
param dynamicsOtherSettings object = {}

// The bounds Flex Consumption accepts (event-driven scaling, "Limit scale-out": 1 to 1000; documentation before
// 2025 gave 40 as the lowest), checked here so that a wrong value fails before anything is created.
@minValue(1)
@maxValue(1000)
@description('Most Flex Consumption instances the app may scale out to, 1 to 1000: a cap on cost and on the load it puts on Telesign, Key Vault and Table Storage.')
param maximumInstanceCount int = 100

// Flex Consumption scales each non-HTTP function on its own instances, down to zero when idle (docs/deploy.md §1,
// "Always ready"): the first SMS after a quiet spell then waits for an instance to start. An always-ready instance
// is billed all the time (the Always Ready Baseline meter), so it is off unless asked for.
@minValue(0)
@maxValue(10)
@description('Always-ready instances for routeInbound, 0 to 10 (0: scale to zero). Each is billed at the Always Ready Baseline rate for its instanceMemoryMB around the clock, whether it works or not: docs/deploy.md §1.')
param routeInboundAlwaysReady int = 0

@allowed([
  512
  2048
  4096
])
@description('Memory of each instance, in MB.')
param instanceMemoryMB int = 2048

@description('Object id of the person, group or pipeline that operates the channel. It is given Key Vault Secrets Officer on the vault, to set and rotate the Telesign API keys. Defaults to whoever deploys; empty for nobody.')
param operatorPrincipalId string = deployer().objectId

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
@description('What operatorPrincipalId is: a User, an Entra Group, or a ServicePrincipal (a pipeline).')
param operatorPrincipalType string = 'User'

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
@description('Redundancy of the storage account (host data and the app tables). Standard_LRS unless the conversations must survive the loss of a zone (Standard_ZRS, in regions with zones) or of the region (Standard_GRS, Standard_GZRS, at about twice the price).')
param storageSkuName string = 'Standard_LRS'

@description('Purge protection on the Key Vault: a deleted vault and its secrets stay recoverable for 90 days and cannot be purged sooner. It cannot be turned off once on; false only for throw-away environments.')
param keyVaultPurgeProtection bool = true

@description('E-mail address the alerts are sent to: dead letters, callback signature failures, Telesign send failures, the health endpoint failing (docs/operations.md). Optional: empty deploys no alerts at all (no action group, no alert rule, no availability test).')
param alertEmail string = ''

@minValue(1)
@description('Callback signature failures in five minutes above which the alert fires (with alertEmail).')
param signatureFailureAlertThreshold int = 20

@minValue(1)
@description('Telesign send failures (failed or outcome unknown) in five minutes above which the alert fires (with alertEmail).')
param sendFailureAlertThreshold int = 20

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-sms-${resourceToken}'
// Flex Consumption reads the deployed package from this container.
var deploymentContainerName = 'app-package-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

// The app's only credential: every connection names this identity, and rbac.bicep says what it may do.
module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-func-sms-${resourceToken}'
    location: location
    tags: tags
  }
}

module appServicePlan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'appServicePlan'
  scope: rg
  params: {
    name: 'plan-${resourceToken}'
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
    location: location
    tags: tags
  }
}

// Host storage (deployment package, function keys, timer locks) and the app's tables. Shared keys are off:
// a connection string with a key would work nowhere, so none can leak.
module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    // The module's own default is Standard_GRS: geo-redundancy nobody asked for, at about twice the price.
    skuName: storageSkuName
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        {
          name: deploymentContainerName
        }
      ]
    }
  }
}

module serviceBus 'app/servicebus.bicep' = {
  name: 'serviceBus'
  scope: rg
  params: {
    name: 'sb-${resourceToken}'
    location: location
    tags: tags
    queueName: inboundQueueName
    channelEventsTopicName: channelEventsTopicName
    dynamicsActivitiesQueueName: dynamicsActivitiesQueueName
    webhookDeliveriesQueueName: webhookDeliveriesQueueName
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    purgeProtection: keyVaultPurgeProtection
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'logAnalytics'
  scope: rg
  params: {
    name: 'log-${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

// Local auth off: telemetry is accepted only from identities with Monitoring Metrics Publisher.
module monitoring 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'applicationInsights'
  scope: rg
  params: {
    name: 'appi-${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    inboundQueueName: serviceBus.outputs.queueName
    channelEventsTopicName: serviceBus.outputs.channelEventsTopicName
    dynamicsSubscriptionName: serviceBus.outputs.dynamicsSubscriptionName
    dynamicsActivitiesQueueName: serviceBus.outputs.dynamicsActivitiesQueueName
    webhooksSubscriptionName: serviceBus.outputs.webhooksSubscriptionName
    conversationIndexSubscriptionName: serviceBus.outputs.conversationIndexSubscriptionName
    webhookDeliveriesQueueName: serviceBus.outputs.webhookDeliveriesQueueName
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.name
    managedIdentityPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    appServicePlanId: appServicePlan.outputs.resourceId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    applicationInsightsName: monitoring.outputs.name
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    inboundQueueName: serviceBus.outputs.queueName
    channelEventsTopicName: serviceBus.outputs.channelEventsTopicName
    dynamicsActivitiesQueueName: serviceBus.outputs.dynamicsActivitiesQueueName
    webhookDeliveriesQueueName: serviceBus.outputs.webhookDeliveriesQueueName
    webhookEndpoints: webhookEndpoints
    webhookTimeoutSeconds: webhookTimeoutSeconds
    dynamicsMessagingUrl: dynamicsMessagingUrl
    dynamicsOrganizationId: dynamicsOrganizationId
    dynamicsChannelId: dynamicsChannelId
    dynamicsTenantId: !empty(dynamicsTenantId) ? dynamicsTenantId : tenant().tenantId
    dynamicsAppId: dynamicsAppId
    dynamicsTokenScope: dynamicsTokenScope
    dynamicsCustomerPhoneFormat: dynamicsCustomerPhoneFormat
    dynamicsOtherSettings: dynamicsOtherSettings
    keyVaultUri: keyVault.outputs.uri
    telesignAccounts: telesignAccounts
    telesignApiBaseUrl: telesignApiBaseUrl
    routingRules: routingRules
    secretCacheTtlSeconds: secretCacheTtlSeconds
    autoCloseOpenDays: autoCloseOpenDays
    autoCloseActiveDays: autoCloseActiveDays
    autoCloseWaitingDays: autoCloseWaitingDays
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    routeInboundAlwaysReady: routeInboundAlwaysReady
  }
  // The app starts as soon as it exists: with its roles already granted, its first start does not fail.
  dependsOn: [
    rbac
  ]
}

// Only with an address to send them to: an alert nobody receives is noise in the portal.
module alerts 'app/alerts.bicep' = if (!empty(alertEmail)) {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: 'sms-${resourceToken}'
    location: location
    tags: tags
    alertEmail: alertEmail
    serviceBusNamespaceName: serviceBus.outputs.name
    applicationInsightsName: monitoring.outputs.name
    healthUrl: 'https://${api.outputs.defaultHostName}/api/health'
    signatureFailureThreshold: signatureFailureAlertThreshold
    sendFailureThreshold: sendFailureAlertThreshold
  }
}

// For the next steps in docs/deploy.md (azd also writes them to .azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output TELESIGN_CALLBACK_URL string = 'https://${api.outputs.defaultHostName}/api/telesign/callback'
output TELESIGN_VALIDATE_URL string = 'https://${api.outputs.defaultHostName}/api/telesign/validate'
output KEY_VAULT_NAME string = keyVault.outputs.name
output KEY_VAULT_URL string = keyVault.outputs.uri
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.name
output INBOUND_QUEUE_NAME string = serviceBus.outputs.queueName
output CHANNEL_EVENTS_TOPIC string = serviceBus.outputs.channelEventsTopicName
output DYNAMICS_ACTIVITIES_QUEUE string = serviceBus.outputs.dynamicsActivitiesQueueName
output WEBHOOK_DELIVERIES_QUEUE string = serviceBus.outputs.webhookDeliveriesQueueName
// The base URL for the channel record's msdyn_webhookurl: Dynamics appends /v3/conversations/{id}/activities.
output DYNAMICS_WEBHOOK_URL string = 'https://${api.outputs.defaultHostName}/api/dynamics'
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
// The subject of the Entra app's federated credential that lets the app ask for Messaging API tokens.
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.name
