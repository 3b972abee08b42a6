// What the app's identity may do, and no more: each role is scoped to the one resource it is for (for Service Bus,
// the one queue, topic or subscription), and each assignment is named guid(scope, principal, role) so that
// deploying again finds it instead of duplicating it.
//
// Service Bus: Data Owner on each entity a trigger reads (the inbound queue, the dynamics, webhooks and
// conversation-index subscriptions, the activities queue, the webhook deliveries queue) and Data Sender on the
// topic, which is only published to. Data Owner is the one built-in role with the Manage right, which the
// target-based scaler needs to read an entity's message count: without it the scale controller rethrows
// UnauthorizedAccessException and the app does not scale on queue length. It covers sending and receiving too, so
// those entities get no separate Sender or Receiver assignment (the webhook deliveries queue is both received from
// and sent to). Scoped to the entity, it cannot create, delete or read any other entity of the namespace.

@description('Storage account holding the host data and the app tables.')
param storageAccountName string

@description('Service Bus namespace holding the queues and the topic.')
param serviceBusNamespaceName string

@description('Inbound queue: telesignCallback sends to it, routeInbound receives from it.')
param inboundQueueName string

@description('Channel events topic: the services publish to it after each commit.')
param channelEventsTopicName string

@description('Subscription of the channel events topic that relayToDynamics receives from.')
param dynamicsSubscriptionName string

@description('Queue the Dynamics webhook sends activities to and applyAgentActivity receives them from.')
param dynamicsActivitiesQueueName string

@description('Subscription of the channel events topic that fanOutWebhooks receives from.')
param webhooksSubscriptionName string

@description('Subscription of the channel events topic that indexConversations receives from.')
param conversationIndexSubscriptionName string

@description('Queue fanOutWebhooks sends the webhook deliveries to, deliverWebhooks receives them from and sends its scheduled retries to.')
param webhookDeliveriesQueueName string

@description('Key Vault holding the Telesign API keys and the webhook signing secrets.')
param keyVaultName string

@description('Application Insights component receiving the telemetry.')
param applicationInsightsName string

@description('Principal (object) id of the app\'s user-assigned managed identity.')
param managedIdentityPrincipalId string

@description('Principal id of the operator who sets the Telesign API keys; empty for nobody.')
param operatorPrincipalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
@description('What operatorPrincipalId is.')
param operatorPrincipalType string = 'User'

// Built-in role definition ids: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
var roles = {
  // Send only: the services publish the channel events to the topic.
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  // Send, receive and Manage on one entity: the triggers of routeInbound, relayToDynamics, applyAgentActivity,
  // fanOutWebhooks, deliverWebhooks and indexConversations receive, the scale controller reads the message counts,
  // and telesignCallback (and the health probe), the Dynamics webhook, fanOutWebhooks and deliverWebhooks (its
  // scheduled retries) send to the three queues.
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  // Reads the Telesign API keys and the webhook signing secrets; cannot list, write or delete them.
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Threads, references, consent, the conversation index: the app creates its tables at start and reads and
  // writes entities.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // The host's blobs: the deployment package Flex Consumption runs from, function keys, timer and lease locks.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Sends telemetry to Application Insights, which accepts nothing else with local authentication off.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // For the operator, not the app: set and rotate the API keys.
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource inboundQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: serviceBus
  name: inboundQueueName
}

resource channelEventsTopic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' existing = {
  parent: serviceBus
  name: channelEventsTopicName
}

resource dynamicsSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' existing = {
  parent: channelEventsTopic
  name: dynamicsSubscriptionName
}

resource dynamicsActivitiesQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: serviceBus
  name: dynamicsActivitiesQueueName
}

resource webhooksSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' existing = {
  parent: channelEventsTopic
  name: webhooksSubscriptionName
}

resource conversationIndexSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' existing = {
  parent: channelEventsTopic
  name: conversationIndexSubscriptionName
}

resource webhookDeliveriesQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: serviceBus
  name: webhookDeliveriesQueueName
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource inboundOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(inboundQueue.id, managedIdentityPrincipalId, roles.serviceBusDataOwner)
  scope: inboundQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource channelEventsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(channelEventsTopic.id, managedIdentityPrincipalId, roles.serviceBusDataSender)
  scope: channelEventsTopic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource dynamicsSubscriptionOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dynamicsSubscription.id, managedIdentityPrincipalId, roles.serviceBusDataOwner)
  scope: dynamicsSubscription
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource dynamicsActivitiesOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dynamicsActivitiesQueue.id, managedIdentityPrincipalId, roles.serviceBusDataOwner)
  scope: dynamicsActivitiesQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource webhooksSubscriptionOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(webhooksSubscription.id, managedIdentityPrincipalId, roles.serviceBusDataOwner)
  scope: webhooksSubscription
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource conversationIndexSubscriptionOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(conversationIndexSubscription.id, managedIdentityPrincipalId, roles.serviceBusDataOwner)
  scope: conversationIndexSubscription
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource webhookDeliveriesOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(webhookDeliveriesQueue.id, managedIdentityPrincipalId, roles.serviceBusDataOwner)
  scope: webhookDeliveriesQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, managedIdentityPrincipalId, roles.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource storageTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, managedIdentityPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource storageBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, managedIdentityPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource telemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, managedIdentityPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(keyVault.id, operatorPrincipalId, roles.keyVaultSecretsOfficer)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}
