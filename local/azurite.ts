import type { AddressInfo } from 'node:net';

import { developmentStorageConnectionString } from '../shared/storage/tableClients';

/**
 * Azurite's Table service in this process. Azurite's package main is an editor extension, so the server is
 * loaded from its dist folder. In memory by default; a folder keeps the data between runs.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TableServer = require('azurite/dist/src/table/TableServer').default;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default;

export interface AzuriteTables {
  port: number;
  endpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export async function startAzuriteTables(
  options: { port?: number; host?: string; dataFile?: string } = {},
): Promise<AzuriteTables> {
  const host = options.host ?? '127.0.0.1';
  const inMemory = options.dataFile === undefined;
  const config = new TableConfiguration(
    host,
    options.port ?? 0,
    undefined, // keep-alive timeout
    options.dataFile ?? `:memory:${process.pid}-${Date.now()}-${Math.random()}`,
    false, // debug log
    false, // access log
    undefined,
    undefined,
    false, // loose
    true, // skip API version check: the SDK may be newer than this Azurite
    '',
    '',
    '',
    undefined,
    false,
    inMemory,
  );
  const server = new TableServer(config);
  await server.start();
  const port = (server.httpServer.address() as AddressInfo).port;
  const endpoint = `http://${host}:${port}/devstoreaccount1`;
  return {
    port,
    endpoint,
    connectionString: developmentStorageConnectionString(endpoint),
    stop: () => server.close(),
  };
}
