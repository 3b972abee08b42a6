jest.mock('../../local/channel', () => ({ startChannel: jest.fn() }));

import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startChannel } from '../../local/channel';
import { eventually } from '../support/eventually';

/**
 * `npm start -- --data DIR` (local/host.ts) as README shows it, with the channel itself stubbed: the folder is
 * made, parents and all, before anything is kept in it; a path that is a file stops the host with a sentence
 * that says so, before anything starts.
 */
const started = startChannel as jest.MockedFunction<typeof startChannel>;
const fakeChannel = {
  http: { url: 'http://127.0.0.1:7071' },
  functionKey: 'f',
  adminKey: 'a',
  azurite: { endpoint: 'http://127.0.0.1:10002/devstoreaccount1' },
  env: { ServiceBusConnection: 'embedded' },
  sandbox: { url: 'http://127.0.0.1:7072' },
  app: { config: {} },
  stop: async () => undefined,
};

let root: string;
const cwd = process.cwd();
beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'data-folder-')));
  started.mockReset();
  started.mockResolvedValue(fakeChannel as never);
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(root, { recursive: true, force: true });
  jest.restoreAllMocks();
});

/** Runs local/host.ts with these arguments until it has printed its banner or exited. */
async function npmStart(...args: string[]): Promise<{ exitCode?: number; errors: string[] }> {
  const argv = process.argv;
  const listeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const printed: string[] = [];
  const errors: string[] = [];
  let exitCode: number | undefined;
  jest.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
  jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
  jest.spyOn(process, 'exit').mockImplementation(((code: number) => {
    exitCode = code;
  }) as never);
  process.argv = [argv[0], 'dist/local/host.js', ...args];
  try {
    jest.isolateModules(() => require('../../local/host'));
    await eventually(
      async () => exitCode !== undefined || printed.some((l) => l.includes('Ctrl-C stops everything')),
      (done) => done,
    );
  } finally {
    process.argv = argv;
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      for (const l of process.listeners(signal)) if (!listeners[signal].includes(l)) process.off(signal, l);
  }
  return { exitCode, errors };
}

const dataFileGiven = () => started.mock.calls[0]?.[0].dataFile;

it('makes the folder of README\'s own example, "--data ./data", on a fresh clone', async () => {
  process.chdir(root);
  const run = await npmStart('--data', './data');
  expect(run.exitCode).toBeUndefined();
  expect(statSync(path.join(root, 'data')).isDirectory()).toBe(true);
  expect(dataFileGiven()).toBe(path.join(root, 'data', 'tables.json'));
});

it('makes missing parents too', async () => {
  const dir = path.join(root, 'a', 'b', 'data');
  const run = await npmStart('--data', dir);
  expect(run.exitCode).toBeUndefined();
  expect(statSync(dir).isDirectory()).toBe(true);
  expect(dataFileGiven()).toBe(path.join(dir, 'tables.json'));
});

it('keeps a folder that is there, and what it holds', async () => {
  const dir = path.join(root, 'data');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'tables.json'), '{}');
  const run = await npmStart('--data', dir);
  expect(run.exitCode).toBeUndefined();
  expect(existsSync(path.join(dir, 'tables.json'))).toBe(true);
  expect(dataFileGiven()).toBe(path.join(dir, 'tables.json'));
});

it('stops with a clear sentence when the path is a file, before starting anything', async () => {
  const file = path.join(root, 'data');
  writeFileSync(file, 'not a folder');
  const run = await npmStart('--data', file);
  expect(run.exitCode).toBe(1);
  expect(run.errors.join('\n')).toContain(`--data ${file}: ${file} cannot hold the data: it is a file, not a folder`);
  expect(started).not.toHaveBeenCalled();
});

it('says so when a folder on the way is a file', async () => {
  writeFileSync(path.join(root, 'data'), 'not a folder');
  const run = await npmStart('--data', path.join(root, 'data', 'tables'));
  expect(run.exitCode).toBe(1);
  expect(run.errors.join('\n')).toContain('a part of that path is a file, not a folder');
  expect(started).not.toHaveBeenCalled();
});
