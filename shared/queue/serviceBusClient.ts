import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusClient, type ServiceBusClientOptions } from '@azure/service-bus';

import type { ServiceBusSettings } from '../config';

export type { ServiceBusClientOptions };

/**
 * The callback must answer Telesign quickly: a down queue should turn into a 503 (Telesign retries) within
 * seconds, not after the SDK's default minute of retries.
 */
const publisherRetryOptions: ServiceBusClientOptions['retryOptions'] = {
  maxRetries: 2,
  retryDelayInMs: 200,
  maxRetryDelayInMs: 1000,
  timeoutInMs: 5000,
};

export function createServiceBusClient(
  settings: ServiceBusSettings,
  options: ServiceBusClientOptions = {},
): ServiceBusClient {
  const withRetry = { retryOptions: publisherRetryOptions, ...options };
  if (settings.kind === 'connectionString') return new ServiceBusClient(settings.connectionString, withRetry);
  const credential = new DefaultAzureCredential(
    settings.clientId ? { managedIdentityClientId: settings.clientId } : {},
  );
  return new ServiceBusClient(settings.fullyQualifiedNamespace, credential, withRetry);
}
