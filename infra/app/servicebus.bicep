// The queue between telesignCallback and routeInbound, the channel events topic with its three subscriptions (the
// Dynamics relay's, the outbound webhooks' and the conversations index's), the queue behind the Dynamics webhook,
// and the queue the outbound webhook deliveries and their retries wait in. Written with native resources rather than
// the AVM module so that every entity property the channel relies on is in plain sight here.

@description('Name of the Service Bus namespace.')
param name string

@description('Region of the namespace.')
param location string = resourceGroup().location

@description('Tags for the namespace.')
param tags object = {}

@description('Name of the inbound queue (the app reads it from INBOUND_QUEUE_NAME).')
param queueName string

@description('Name of the topic the channel events are published to after each commit (the app reads it from CHANNEL_EVENTS_TOPIC).')
param channelEventsTopicName string

@description('Name of the queue the Dynamics webhook\'s activities wait in (the app reads it from DYNAMICS_ACTIVITIES_QUEUE).')
param dynamicsActivitiesQueueName string

@description('Name of the queue the outbound webhook deliveries and their retries wait in (the app reads it from WEBHOOK_DELIVERIES_QUEUE).')
param webhookDeliveriesQueueName string

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

// The channel events (docs/architecture.md): published after each committed change, one session per thread
// (sessionId = threadId), messageId = the event id.
resource channelEventsTopic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: channelEventsTopicName
  properties: {
    // A trigger that failed after publishing is redelivered and publishes the same events again, with the same
    // ids: the topic drops them. A delivery of the inbound queue can be retried up to ten times, each after a
    // lock of at most a minute renewed for up to five (host.json); an hour covers those.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    defaultMessageTimeToLive: 'P14D'
    maxSizeInMegabytes: 1024
    supportOrdering: true
    enablePartitioning: false
  }
}

// The three reactions that read the topic: relayToDynamics (subscription dynamics), fanOutWebhooks (subscription
// webhooks) and indexConversations (subscription conversation-index). Each subscription here has a function that
// reads it (tests/unit/infra.test.ts): one nobody reads would fill up, and a full subscription makes the topic refuse
// every publish, which fails every trigger that changes a conversation. With the bridge off, or no webhook endpoint
// configured, the function completes each event without doing anything; indexConversations always works.
resource dynamicsSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: channelEventsTopic
  name: 'dynamics'
  properties: {
    // Session = thread: one thread's events reach Dynamics in order, and a thread whose Dynamics calls are being
    // retried holds up no other thread (docs/dynamics-protocol.md §7).
    requiresSession: true
    // A transient Dynamics failure is retried inside the handler first, then thrown for redelivery; after ten
    // deliveries the event is dead-lettered, where an operator can read it (docs/deploy.md). A permanent refusal
    // (400) is thrown too, and in Azure the host dead-letters it the same way, after ten deliveries.
    maxDeliveryCount: 10
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    deadLetteringOnFilterEvaluationExceptions: true
    lockDuration: 'PT1M'
  }
}

resource webhooksSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: channelEventsTopic
  name: 'webhooks'
  properties: {
    // Session = thread: fanOutWebhooks queues a thread's events for each endpoint in the order they were committed.
    requiresSession: true
    // The fan-out only sends to the webhook deliveries queue, which drops the copies a failed fan-out had already
    // queued (same message ids), so a thrown fan-out is simply redelivered; after ten deliveries (an event it cannot
    // read, or the queue unavailable that long) the event is dead-lettered, where an operator can read it
    // (docs/deploy.md).
    maxDeliveryCount: 10
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    deadLetteringOnFilterEvaluationExceptions: true
    lockDuration: 'PT1M'
  }
}

resource conversationIndexSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: channelEventsTopic
  name: 'conversation-index'
  properties: {
    // Session = thread: indexConversations files a thread's conversations one event at a time, so two events of one
    // conversation do not race to move its index entry.
    requiresSession: true
    // Filing reads the conversation row and writes the index as the row says, so it is idempotent and a thrown
    // filing (storage unavailable) is simply redelivered; after ten deliveries the event is dead-lettered, where an
    // operator can read it (docs/deploy.md); its conversation's entry stays as it was until the next event of that
    // conversation files it again.
    maxDeliveryCount: 10
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    deadLetteringOnFilterEvaluationExceptions: true
    lockDuration: 'PT1M'
  }
}

resource dynamicsActivitiesQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: dynamicsActivitiesQueueName
  properties: {
    // One session per Dynamics conversation (sessionId = its id, lower-cased): an agent's replies reach the
    // customer in the order the agent wrote them.
    requiresSession: true
    // The webhook queues each activity with messageId = its key (docs/dynamics-protocol.md §5). Dynamics retries
    // a webhook three times, ten seconds each, so a minute drops its repeats; it stays short because two keyless
    // activities with the same text share a key (the same section).
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1M'
    // An activity whose conversation link is not stored yet is redelivered; after ten deliveries it is kept in
    // the dead-letter queue for an operator, not dropped.
    maxDeliveryCount: 10
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    lockDuration: 'PT1M'
    maxSizeInMegabytes: 1024
    enablePartitioning: false
  }
}

// The outbound webhook deliveries (docs/webhooks.md): one message per channel event and endpoint that wants it.
resource webhookDeliveriesQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: webhookDeliveriesQueueName
  properties: {
    // One session per endpoint and thread (sessionId = <endpoint key>.<threadId>): each endpoint gets a
    // conversation's events in order, and an endpoint that is slow or down holds up only its own sessions, never
    // another endpoint nor another conversation.
    requiresSession: true
    // fanOutWebhooks queues each delivery with messageId = <eventId>.<endpoint key>, so a fan-out redelivered after
    // a failure queues the same messages and the queue drops them; a retry or a replay goes under an id of its own.
    // An hour covers the ten deliveries of the webhooks subscription, each a lock of at most a minute renewed for up
    // to five (host.json), as for the topic.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    // A retry is not a redelivery: deliverWebhooks makes one attempt per message and, for a 429, a 5xx or a
    // timeout, sends a scheduled message into the same session (scheduledEnqueueTimeUtc, up to about 10 h ahead:
    // the Standard Webhooks schedule 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), so no function waits. A thrown
    // delivery (storage or the queue unavailable) is redelivered; after ten deliveries it is kept in the
    // dead-letter queue for an operator (docs/deploy.md), not dropped. A delivery whose last attempt failed is not
    // thrown: it is completed and kept as failed in the webhooks table, for npm run sms -- webhooks failed|replay.
    maxDeliveryCount: 10
    // Counted from when a scheduled message is enqueued, so fourteen days are far more than the longest pause.
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    // The trigger renews the session lock while an attempt runs (host.json maxAutoLockRenewalDuration); an attempt
    // gives up after WEBHOOK_TIMEOUT_SECONDS, at most 60 s.
    lockDuration: 'PT1M'
    maxSizeInMegabytes: 1024
    enablePartitioning: false
  }
}

output name string = namespace.name
output id string = namespace.id
output queueName string = queue.name
output channelEventsTopicName string = channelEventsTopic.name
output dynamicsSubscriptionName string = dynamicsSubscription.name
output dynamicsActivitiesQueueName string = dynamicsActivitiesQueue.name
output webhooksSubscriptionName string = webhooksSubscription.name
output conversationIndexSubscriptionName string = conversationIndexSubscription.name
output webhookDeliveriesQueueName string = webhookDeliveriesQueue.name
// The host name from the endpoint (https://<name>.servicebus.windows.net:443/), right in every cloud.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
