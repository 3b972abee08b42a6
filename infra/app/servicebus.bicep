// The queue between telesignCallback and routeInbound. Written with native resources rather than the AVM
// module so that every queue property the channel relies on is in plain sight here.

@description('Name of the Service Bus namespace.')
param name string

@description('Region of the namespace.')
param location string = resourceGroup().location

@description('Tags for the namespace.')
param tags object = {}

@description('Name of the inbound queue (the app reads it from INBOUND_QUEUE_NAME).')
param queueName string

// Standard: sessions and duplicate detection are not offered on Basic. Local (SAS) authentication is off, so a
// connection string cannot reach the namespace even if one were written down somewhere.
resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    // One session per thread (sessionId = threadId): the router sees a conversation's events in order.
    requiresSession: true
    // The callback publishes each event with a messageId derived from Telesign's fields, so a retried callback
    // is the same message. Telesign retries an inbound SMS it did not get a 200 for after 10 s and again after
    // 30 s, three tries within a minute; an hour covers those with room for a retry delayed on Telesign's side
    // or a publish retried by the SDK. An event that arrives later still is recognised by the router's per-thread
    // event marker (evt-<eventId> in Table Storage), which has no window.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    // After ten failed deliveries (each a thrown routeInbound) the event goes to the dead-letter queue, where an
    // operator can read it (docs/deploy.md), instead of blocking its session forever.
    maxDeliveryCount: 10
    // An event nobody could route within its time to live is kept in the dead-letter queue, not dropped.
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    // The trigger renews the session lock while routeInbound runs (host.json maxAutoLockRenewalDuration).
    lockDuration: 'PT1M'
    maxSizeInMegabytes: 1024
    enablePartitioning: false
  }
}

output name string = namespace.name
output id string = namespace.id
output queueName string = queue.name
// The host name from the endpoint (https://<name>.servicebus.windows.net:443/), right in every cloud.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
