import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';

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

/** TableConfiguration's arguments, in its order: in memory unless a file is named. */
function configurationArgs(host: string, port: number, dataFile: string | undefined): unknown[] {
  const inMemory = dataFile === undefined;
  return [
    host,
    port,
    undefined, // keep-alive timeout
    dataFile ?? `:memory:${process.pid}-${Date.now()}-${Math.random()}`,
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
  ];
}

export async function startAzuriteTables(
  options: { port?: number; host?: string; dataFile?: string; thread?: 'this' | 'worker' } = {},
): Promise<AzuriteTables> {
  const host = options.host ?? '127.0.0.1';
  const args = configurationArgs(host, options.port ?? 0, options.dataFile);
  const started = options.thread === 'worker' ? await startInWorker(args) : await startHere(args);
  const endpoint = `http://${host}:${started.port}/devstoreaccount1`;
  return {
    port: started.port,
    endpoint,
    connectionString: developmentStorageConnectionString(endpoint),
    stop: started.stop,
  };
}

async function startHere(args: unknown[]) {
  const server = new TableServer(new TableConfiguration(...args));
  await server.start();
  return { port: (server.httpServer.address() as AddressInfo).port, stop: () => server.close() as Promise<void> };
}

/**
 * Azurite on a thread of its own: the local channel runs the broker, the consumers, the sandboxes and the HTTP host
 * on the main thread, and a storage emulator that shares it makes the whole pipeline wait on one core while the
 * machine has more (docs/architecture.md §Local channel). The worker loads the same modules from their paths.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const TableServer = require(workerData.server).default;
const TableConfiguration = require(workerData.configuration).default;
const server = new TableServer(new TableConfiguration(...workerData.args));
server.start().then(
  () => parentPort.postMessage({ port: server.httpServer.address().port }),
  (error) => parentPort.postMessage({ error: String((error && error.stack) || error) }),
);
parentPort.on('message', (m) => {
  if (m === 'stop') server.close().then(() => parentPort.postMessage({ stopped: true }), () => parentPort.postMessage({ stopped: true }));
});
`;

const STOP_WAIT_MS = 3_000;

async function startInWorker(args: unknown[]) {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      server: require.resolve('azurite/dist/src/table/TableServer'),
      configuration: require.resolve('azurite/dist/src/table/TableConfiguration'),
      args,
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { port?: number; error?: string }) =>
      m.port ? resolve(m.port) : reject(new Error(`Azurite did not start: ${m.error}`)),
    );
  });
  // Like a server in this thread, it is closed by `stop`, never kept alive for its own sake: a process whose owner
  // forgot to stop it can still exit.
  worker.unref();
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        // Its close waits for open connections; past a few seconds the thread is ended anyway.
        const timer = setTimeout(resolve, STOP_WAIT_MS);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        worker.once('message', done);
        worker.once('exit', done);
        worker.postMessage('stop');
      });
      await worker.terminate();
    })());
  return { port, stop };
}
