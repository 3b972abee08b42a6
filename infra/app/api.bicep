// The function app on Flex Consumption (Node 22) with its settings. No connection string and no key anywhere:
// each connection names an endpoint and the user-assigned identity, and the identity's roles (rbac.bicep)
// decide what it may do.

@description('Name of the function app; also its host name, <name>.azurewebsites.net.')
param name string

@description('Region of the function app.')
param location string = resourceGroup().location

@description('Tags for the function app; azd-service-name is added so that azd deploy finds it.')
param tags object = {}

@description('Service name in azure.yaml.')
param serviceName string = 'api'

@description('Resource id of the Flex Consumption (FC1) plan.')
param appServicePlanId string

@description('Storage account for the host (deployment package, keys, timer locks) and the app tables.')
param storageAccountName string

@description('Blob container in that account that holds the deployed package.')
param deploymentContainerName string

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of that identity: every identity-based connection names it.')
param identityClientId string

@description('Application Insights component that receives the telemetry.')
param applicationInsightsName string

@description('Service Bus namespace host name, <namespace>.servicebus.windows.net.')
param serviceBusFullyQualifiedNamespace string

@description('Session-enabled queue between the callback and the router.')
param inboundQueueName string

@description('CHANNEL_EVENTS_TOPIC: topic the channel events are published to after each commit.')
param channelEventsTopicName string

@description('DYNAMICS_ACTIVITIES_QUEUE: session queue the Dynamics webhook\'s activities wait in.')
param dynamicsActivitiesQueueName string

@description('WEBHOOK_DELIVERIES_QUEUE: session queue the outbound webhook deliveries and their retries wait in.')
param webhookDeliveriesQueueName string

@description('WEBHOOK_ENDPOINTS: the webhook endpoints, a JSON array as text, each naming its signing secret in Key Vault (never the secret); empty for none, and then the setting is not set.')
param webhookEndpoints string

@description('WEBHOOK_TIMEOUT_SECONDS: how long a webhook delivery waits for the endpoint\'s answer.')
param webhookTimeoutSeconds int

@description('DYNAMICS_MESSAGING_URL: the organisation\'s Messaging API base URL; empty leaves the Dynamics bridge off and sets no DYNAMICS_* setting.')
param dynamicsMessagingUrl string

@description('DYNAMICS_ORGANIZATION_ID: the Dynamics organisation\'s GUID.')
param dynamicsOrganizationId string

@description('DYNAMICS_CHANNEL_ID: id of the msdyn_occustommessagingchannel record.')
param dynamicsChannelId string

@description('DYNAMICS_TENANT_ID: Entra tenant of the app registration.')
param dynamicsTenantId string

@description('DYNAMICS_APP_ID: client id of the Entra app registered on the channel record.')
param dynamicsAppId string

@description('DYNAMICS_TOKEN_SCOPE: scope of the Messaging API token, whole.')
param dynamicsTokenScope string

@description('DYNAMICS_CUSTOMER_PHONE_FORMAT: how the customer\'s number is written into a new Dynamics conversation.')
param dynamicsCustomerPhoneFormat string

@description('Any other DYNAMICS_* setting, by name (docs/dynamics.md lists them), set only with the bridge on.')
param dynamicsOtherSettings object

@description('URI of the Key Vault holding the Telesign API keys and the webhook signing secrets.')
param keyVaultUri string

@description('TELESIGN_ACCOUNTS: accounts and numbers, each naming its API key secret (never the key).')
param telesignAccounts array

@description('TELESIGN_API_BASE_URL: Telesign REST endpoint.')
param telesignApiBaseUrl string

@description('ROUTING_RULES: empty for the default queue.')
param routingRules object

@description('SECRET_CACHE_TTL_SECONDS: how long an API key stays cached in memory.')
param secretCacheTtlSeconds int

@description('AUTO_CLOSE_OPEN_DAYS: idle days before an open conversation is closed; 0 never.')
param autoCloseOpenDays int

@description('AUTO_CLOSE_ACTIVE_DAYS: idle days before an active conversation is closed; 0 never.')
param autoCloseActiveDays int

@description('AUTO_CLOSE_WAITING_DAYS: idle days before a waiting conversation is closed; 0 never.')
param autoCloseWaitingDays int

@description('Memory of each instance, in MB.')
param instanceMemoryMB int

@description('Most instances the app may scale out to.')
param maximumInstanceCount int

@description('Always-ready instances for routeInbound; 0 for none.')
param routeInboundAlwaysReady int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Every setting shared/config.ts reads in Azure (but WEBHOOK_ENDPOINTS, in webhookAppSettings below), and the
// host's own connections (tests/unit/infra.test.ts checks the list against settingNames). The template owns them: a
// setting changed by hand in the portal is reset by the next deployment, so change the parameter instead.
// Deliberately absent: FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION (Flex Consumption takes the runtime
// from functionAppConfig and refuses them), and the connection-string forms AzureWebJobsStorage, ServiceBusConnection
// and LOCAL_SECRETS (laptops only).
var appSettings = [
  // Host storage and the app's tables, through the identity. The app reads tableServiceUri and clientId.
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storage.name
  }
  {
    name: 'AzureWebJobsStorage__blobServiceUri'
    value: storage.properties.primaryEndpoints.blob
  }
  {
    name: 'AzureWebJobsStorage__queueServiceUri'
    value: storage.properties.primaryEndpoints.queue
  }
  {
    name: 'AzureWebJobsStorage__tableServiceUri'
    value: storage.properties.primaryEndpoints.table
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  // One connection for the trigger (routeInbound) and the publisher (telesignCallback).
  {
    name: 'ServiceBusConnection__fullyQualifiedNamespace'
    value: serviceBusFullyQualifiedNamespace
  }
  {
    name: 'ServiceBusConnection__credential'
    value: 'managedidentity'
  }
  {
    name: 'ServiceBusConnection__clientId'
    value: identityClientId
  }
  // The trigger binding reads %INBOUND_QUEUE_NAME%: without it the host cannot index routeInbound.
  {
    name: 'INBOUND_QUEUE_NAME'
    value: inboundQueueName
  }
  // Read by the publisher and by the triggers of relayToDynamics, fanOutWebhooks and indexConversations
  // (%CHANNEL_EVENTS_TOPIC%). Always set: the topic is always deployed, and with the bridge off, or no webhook
  // endpoint, relayToDynamics or fanOutWebhooks completes each event at once. indexConversations always works: it
  // keeps the conversations index current, and with this setting the listing answers from the index alone.
  {
    name: 'CHANNEL_EVENTS_TOPIC'
    value: channelEventsTopicName
  }
  // Read by the webhook's publisher and applyAgentActivity's trigger (%DYNAMICS_ACTIVITIES_QUEUE%), so always set
  // too: an unresolved %setting% stops the host from indexing that function. It names a queue of the channel and
  // is not one of the bridge's settings.
  {
    name: 'DYNAMICS_ACTIVITIES_QUEUE'
    value: dynamicsActivitiesQueueName
  }
  // Read by the sender of fanOutWebhooks and of the scheduled retries and by deliverWebhooks' trigger
  // (%WEBHOOK_DELIVERIES_QUEUE%), so always set, with or without endpoints, for the same reason.
  {
    name: 'WEBHOOK_DELIVERIES_QUEUE'
    value: webhookDeliveriesQueueName
  }
  // 1 to 60 seconds: main.bicep holds the parameter to the bounds the app accepts.
  {
    name: 'WEBHOOK_TIMEOUT_SECONDS'
    value: string(webhookTimeoutSeconds)
  }
  {
    name: 'KEY_VAULT_URL'
    value: keyVaultUri
  }
  // DefaultAzureCredential takes the user-assigned identity from here (Key Vault, and any client without its own clientId).
  {
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  {
    name: 'SECRET_CACHE_TTL_SECONDS'
    value: string(secretCacheTtlSeconds)
  }
  {
    name: 'TELESIGN_ACCOUNTS'
    value: string(telesignAccounts)
  }
  {
    name: 'TELESIGN_API_BASE_URL'
    value: telesignApiBaseUrl
  }
  {
    name: 'ROUTING_RULES'
    value: empty(routingRules) ? '' : string(routingRules)
  }
  {
    name: 'AUTO_CLOSE_OPEN_DAYS'
    value: string(autoCloseOpenDays)
  }
  {
    name: 'AUTO_CLOSE_ACTIVE_DAYS'
    value: string(autoCloseActiveDays)
  }
  {
    name: 'AUTO_CLOSE_WAITING_DAYS'
    value: string(autoCloseWaitingDays)
  }
  // Telemetry signed with the identity's token: Application Insights has local authentication off.
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: applicationInsights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identityClientId};Authorization=AAD'
  }
]

// The Dynamics bridge's settings, added only when dynamicsMessagingUrl is given: any one of them turns the bridge
// on (shared/dynamics/settings.ts), so a deployment without Contact Center gets none of them. The
// tokens come from the app's managed identity through a federated credential (DYNAMICS_AUTH_MODE defaults to
// managedIdentity, the identity to AZURE_CLIENT_ID above): no secret is set here (docs/dynamics.md).
var dynamicsAppSettings = [
  {
    name: 'DYNAMICS_MESSAGING_URL'
    value: dynamicsMessagingUrl
  }
  {
    name: 'DYNAMICS_ORGANIZATION_ID'
    value: dynamicsOrganizationId
  }
  {
    name: 'DYNAMICS_CHANNEL_ID'
    value: dynamicsChannelId
  }
  {
    name: 'DYNAMICS_TENANT_ID'
    value: dynamicsTenantId
  }
  {
    name: 'DYNAMICS_APP_ID'
    value: dynamicsAppId
  }
  {
    name: 'DYNAMICS_TOKEN_SCOPE'
    value: dynamicsTokenScope
  }
  {
    name: 'DYNAMICS_CUSTOMER_PHONE_FORMAT'
    value: dynamicsCustomerPhoneFormat
  }
]

var dynamicsOtherAppSettings = map(items(dynamicsOtherSettings), s => { name: s.key, value: string(s.value) })

// The webhook endpoints, added only when webhookEndpoints is given: without the setting no event is delivered
// anywhere (shared/webhooks/endpointSettings.ts). Each endpoint names the Key Vault secret that holds its whsec_
// signing secret, which the app reads with Key Vault Secrets User like the Telesign API keys: no secret is set here.
var webhookAppSettings = [
  {
    name: 'WEBHOOK_ENDPOINTS'
    value: webhookEndpoints
  }
]

var bridgeAppSettings = empty(dynamicsMessagingUrl) ? [] : concat(dynamicsAppSettings, dynamicsOtherAppSettings)

var webhookEndpointAppSettings = empty(webhookEndpoints) ? [] : webhookAppSettings

var allAppSettings = concat(appSettings, bridgeAppSettings, webhookEndpointAppSettings)

module functionApp 'br/public:avm/res/web/site:0.19.3' = {
  name: '${serviceName}-flex-consumption'
  params: {
    kind: 'functionapp,linux'
    name: name
    location: location
    tags: union(tags, { 'azd-service-name': serviceName })
    serverFarmResourceId: appServicePlanId
    httpsOnly: true
    managedIdentities: {
      userAssignedResourceIds: [
        identityId
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // A function other than HTTP, Durable or blob is named 'function:<name>' (Flex Consumption, "Set always
        // ready instance counts"); the name is the one functions/routeInbound.ts registers.
        // Line breaks only inside the brackets: Bicep ends an expression at a line break outside them.
        alwaysReady: routeInboundAlwaysReady > 0 ? [
          {
            name: 'function:routeInbound'
            instanceCount: routeInboundAlwaysReady
          }
        ] : []
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      alwaysOn: false
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: allAppSettings
    }
    // Deployments (func publish, az functionapp deployment, azd) authenticate with Entra tokens: basic
    // publishing credentials stay off, so there are none to leak.
    basicPublishingCredentialsPolicies: [
      {
        name: 'ftp'
        allow: false
      }
      {
        name: 'scm'
        allow: false
      }
    ]
  }
}

// Read back for its host name: outputs are evaluated once the module above has created the site.
resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: name
}

output name string = functionApp.outputs.name
output defaultHostName string = site.properties.defaultHostName
