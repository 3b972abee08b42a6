// What the operator hears about first (docs/operations.md says what each alert means and what to do): messages
// in a dead-letter queue, callback signature failures and Telesign send failures above a rate, and the health
// endpoint failing its availability test. Every rule notifies the one action group, which mails alertEmail.
// main.bicep deploys this module only when alertEmail is given.

@description('Prefix of every resource name here, such as sms-<resource token>.')
param namePrefix string

@description('Region of the log alerts and the availability test (the Application Insights region); the action group and the metric alerts are global.')
param location string = resourceGroup().location

@description('Tags for every resource here.')
param tags object = {}

@minLength(3)
@description('E-mail address every alert is sent to.')
param alertEmail string

@description('Service Bus namespace whose entities\' dead letters are watched.')
param serviceBusNamespaceName string

@description('Application Insights component that receives the app\'s traces and hosts the availability test.')
param applicationInsightsName string

@description('URL of the health endpoint the availability test calls, https://<host>/api/health.')
param healthUrl string

@minValue(1)
@description('Callback signature failures (log line "callback refused: not authentic") in rateWindow above which the alert fires.')
param signatureFailureThreshold int = 20

@minValue(1)
@description('Telesign send failures (log lines "message not sent" and "message outcome unknown; not resent") in rateWindow above which the alert fires.')
param sendFailureThreshold int = 20

@allowed([
  'PT5M'
  'PT10M'
  'PT15M'
  'PT30M'
  'PT1H'
])
@description('Window the two failure rates are counted over, ISO 8601; the log alerts run every five minutes.')
param rateWindow string = 'PT5M'

@minLength(1)
@description('Availability test locations (Azure Monitor location ids); Microsoft recommends at least five.')
param availabilityTestLocations array = [
  'us-va-ash-azr' // East US
  'us-ca-sjc-azr' // West US
  'emea-nl-ams-azr' // West Europe
  'emea-gb-db3-azr' // North Europe
  'apac-sg-sin-azr' // Southeast Asia
]

@minValue(1)
@description('Locations that must fail at once for the availability alert to fire.')
param availabilityFailedLocations int = 2

// The exact messages the code logs (shared/services/ingest.ts, shared/services/send.ts). In Application Insights a
// log line arrives as one trace whose message is this text followed by its fields as Node prints them, so
// `startswith` finds it; tests/unit/infra.test.ts holds these to the source.
var signatureFailureMessage = 'callback refused: not authentic'
var sendFailureMessages = [
  'message not sent'
  'message outcome unknown; not resent'
]

resource serviceBusNamespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    // At most 12 characters: it heads the SMS and e-mail notifications.
    groupShortName: 'sms-channel'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// DeadletteredMessages is a gauge, kept per queue and per topic (a subscription's dead letters count under its
// topic): one time series per entity, firing while any dead letter is there and resolving once it is replayed or
// removed (docs/deploy.md step 8).
resource deadLetterAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-dead-letters'
  location: 'global'
  tags: tags
  properties: {
    description: 'Service Bus holds dead-lettered messages: an inbound SMS event, a Dynamics relay or an agent activity stopped moving (docs/operations.md).'
    severity: 2
    enabled: true
    scopes: [
      serviceBusNamespace.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    targetResourceType: 'Microsoft.ServiceBus/namespaces'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadLetteredMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

// sum(itemCount), not count(): the host samples traces (host.json), and itemCount is how many each kept one stands for.
resource signatureFailureAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'alert-${namePrefix}-callback-signatures'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'SMS channel: callback signature failures'
    description: 'Telesign callbacks refused for their signature above the rate: someone is probing the callback URL, or an API key was rotated at Telesign without updating Key Vault (docs/operations.md).'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: rateWindow
    criteria: {
      allOf: [
        {
          query: 'traces | where message startswith "${signatureFailureMessage}" | summarize failures = sum(itemCount)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThan'
          threshold: signatureFailureThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource sendFailureAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'alert-${namePrefix}-telesign-sends'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'SMS channel: Telesign send failures'
    description: 'SMS sends that failed or whose outcome is unknown above the rate: Telesign refuses, rate-limits or cannot be reached, or its API key is wrong (docs/operations.md).'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: rateWindow
    criteria: {
      allOf: [
        {
          query: 'traces | where message startswith "${sendFailureMessages[0]}" or message startswith "${sendFailureMessages[1]}" | summarize failures = sum(itemCount)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThan'
          threshold: sendFailureThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// GET /api/health (anonymous) answers 200 when storage, the queue and the secrets are reachable, 503 otherwise.
// The hidden-link tag is what ties a web test to its Application Insights component.
resource healthTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: 'webtest-${namePrefix}-health'
  location: location
  tags: union(tags, {
    'hidden-link:${applicationInsights.id}': 'Resource'
  })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: 'webtest-${namePrefix}-health'
    Name: 'SMS channel health'
    Description: 'GET /api/health must answer 200 (docs/operations.md).'
    Enabled: true
    Frequency: 300
    Timeout: 30
    Kind: 'standard'
    RetryEnabled: true
    Locations: [for id in availabilityTestLocations: {
      Id: id
    }]
    Request: {
      RequestUrl: healthUrl
      HttpVerb: 'GET'
      ParseDependentRequests: false
      FollowRedirects: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

resource healthAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-health'
  location: 'global'
  tags: tags
  properties: {
    description: 'GET /api/health failed from several locations: the app is down, or a dependency it checks (storage, Service Bus, Key Vault) is unreachable (docs/operations.md).'
    severity: 1
    enabled: true
    scopes: [
      healthTest.id
      applicationInsights.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: healthTest.id
      componentId: applicationInsights.id
      failedLocationCount: availabilityFailedLocations
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

output actionGroupId string = actionGroup.id
output healthTestName string = healthTest.name
