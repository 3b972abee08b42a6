import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';

import type { TableSettings } from '../config';
import { asciiJsonBodies } from './asciiJsonBodies';

export const tableNames = {
  threads: 'threads',
  references: 'references',
  consent: 'consent',
  unrecognized: 'unrecognized',
  conversationIndex: 'conversationIndex',
  dynamicsLinks: 'dynamicsLinks',
  outbox: 'outbox',
  sendsInFlight: 'sendsInFlight',
  webhooks: 'webhooks',
} as const;

export type TableName = keyof typeof tableNames;
export type TableClients = Record<TableName, TableClient>;

/** Azurite and other local endpoints speak plain http; the SDK refuses that unless told. */
function clientOptions(endpointIsHttp: boolean, extra: TableServiceClientOptions): TableServiceClientOptions {
  return {
    allowInsecureConnection: endpointIsHttp,
    retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
    // Only a local endpoint is Azurite, which needs it (asciiJsonBodies.ts); Azure reads raw UTF-8 as it is.
    ...(endpointIsHttp ? { additionalPolicies: [{ policy: asciiJsonBodies, position: 'perCall' as const }] } : {}),
    ...extra,
  };
}

export function createTableClient(
  settings: TableSettings,
  table: string,
  extra: TableServiceClientOptions = {},
): TableClient {
  if (settings.kind === 'connectionString') {
    const cs =
      settings.connectionString.trim() === 'UseDevelopmentStorage=true'
        ? developmentStorageConnectionString('http://127.0.0.1:10002/devstoreaccount1')
        : settings.connectionString;
    return TableClient.fromConnectionString(cs, table, clientOptions(/http:\/\//i.test(cs), extra));
  }
  const credential = new DefaultAzureCredential(
    settings.clientId ? { managedIdentityClientId: settings.clientId } : {},
  );
  return new TableClient(
    settings.tableServiceUri,
    table,
    credential,
    clientOptions(settings.tableServiceUri.startsWith('http:'), extra),
  );
}

export function createTableClients(settings: TableSettings, extra: TableServiceClientOptions = {}): TableClients {
  const entries = Object.entries(tableNames).map(([key, name]) => [key, createTableClient(settings, name, extra)]);
  return Object.fromEntries(entries) as TableClients;
}

/** Creates the tables once at start; an existing table is fine. */
export async function ensureTables(clients: TableClients): Promise<void> {
  await Promise.all(Object.values(clients).map((c) => c.createTable()));
}

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const DEVSTORE_ACCOUNT = 'devstoreaccount1';
export const DEVSTORE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function developmentStorageConnectionString(tableEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEVSTORE_ACCOUNT};AccountKey=${DEVSTORE_KEY};TableEndpoint=${tableEndpoint};`;
}
