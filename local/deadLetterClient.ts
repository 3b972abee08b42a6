import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusClient } from '@azure/service-bus';

/**
 * The Service Bus client of `npm run sms -- dead-letters`. Against Azure (`--namespace`) it signs in as the
 * operator through DefaultAzureCredential (`az login`, azd, environment, managed identity…): the template turns
 * SAS off, so no connection string would work there. Listing needs Azure Service Bus Data Receiver on the entity
 * (or the namespace), a replay Data Sender too (docs/deploy.md §8).
 */

/** `sb-abc` or `sb-abc.servicebus.windows.net` (or another cloud's full host name): the host name to connect to. */
export function namespaceHost(namespace: string): string {
  const name = namespace
    .trim()
    .replace(/^sb:\/\//i, '')
    .replace(/\/+$/, '');
  if (!/^[a-z0-9][a-z0-9.-]*$/i.test(name)) throw new Error(`--namespace ${namespace}: give the namespace's name.`);
  return name.includes('.') ? name : `${name}.servicebus.windows.net`;
}

export function deadLetterClient(target: { namespace?: string; connectionString: string }): ServiceBusClient {
  const retryOptions = { maxRetries: 1, timeoutInMs: target.namespace ? 30_000 : 5000 };
  return target.namespace
    ? new ServiceBusClient(namespaceHost(target.namespace), new DefaultAzureCredential(), { retryOptions })
    : new ServiceBusClient(target.connectionString, { retryOptions });
}
