import { execFile } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { PACKAGE_DIR } from './packageZip';

/**
 * Loads an unzipped package as the Functions worker does at start-up: a fresh Node process requires every entry
 * file that package.json's main glob names. The package test uses it to see every function register from the
 * extracted zip; `node dist/local/packageLoad.js [folder]` times it (the cold start the package itself costs).
 */

const execFileAsync = promisify(execFile);

export interface LoadResult {
  /** The function names passed to registerFunction, in order. */
  registered: string[];
  /** Every specifier passed to require while loading, in order (Module._load). */
  requested: string[];
  /** Milliseconds from the first require of an entry file to the return of the last one. */
  requireMs: number;
}

/** The entry files, relative to the package folder: package.json's main is a `dir/*.js` glob. */
export function entryFiles(dir: string): string[] {
  const main = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main: string }).main;
  const entryDir = path.posix.dirname(main.replace(/^\.\//, ''));
  return readdirSync(path.join(dir, entryDir))
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => `${entryDir}/${f}`);
}

/**
 * The Functions worker provides @azure/functions-core at run time; it is in no package. This stand-in records what
 * registers, and is written into the extracted folder only (never into the zip).
 */
export async function writeFunctionsCoreStub(dir: string): Promise<void> {
  const core = path.join(dir, 'node_modules', '@azure', 'functions-core');
  await fs.mkdir(core, { recursive: true });
  await fs.writeFile(
    path.join(core, 'package.json'),
    JSON.stringify({ name: '@azure/functions-core', main: 'index.js' }),
  );
  await fs.writeFile(
    path.join(core, 'index.js'),
    [
      'const registered = (globalThis.__registered = []);',
      'exports.registerFunction = (metadata) => { registered.push(metadata.name); return { dispose() {} }; };',
      'exports.setProgrammingModel = () => {};',
      'exports.registerHook = () => ({ dispose() {} });',
      'exports.log = () => {};',
    ].join('\n'),
  );
}

// The hook is optional: it costs time, and the timed runs measure the package, not the hook.
const LOAD_SCRIPT = `
const Module = require('module');
const requested = [];
if (process.env.PACKAGE_LOAD_TRACE === '1') {
  const load = Module._load;
  Module._load = function (request, ...rest) { requested.push(request); return load.call(this, request, ...rest); };
}
const files = JSON.parse(process.env.PACKAGE_LOAD_ENTRIES);
const start = process.hrtime.bigint();
for (const f of files) require(require('path').resolve(f));
const requireMs = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(JSON.stringify({ registered: globalThis.__registered, requested, requireMs }));
`;

/** Nothing above the folder may hold a node_modules that would hide a dependency the package lacks. */
function assertNoNodeModulesAbove(dir: string): void {
  for (let up = path.dirname(path.resolve(dir)); up !== path.dirname(up); up = path.dirname(up)) {
    if (existsSync(path.join(up, 'node_modules'))) throw new Error(`${up} holds a node_modules: load ${dir} elsewhere`);
  }
}

/** Requires every entry file of the package folder in a fresh Node process (the stub must be written first). */
export async function loadPackage(dir: string, trace = false): Promise<LoadResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PACKAGE_LOAD_ENTRIES: JSON.stringify(entryFiles(dir)),
    PACKAGE_LOAD_TRACE: trace ? '1' : '0',
  };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  const { stdout } = await execFileAsync(process.execPath, ['-e', LOAD_SCRIPT], { cwd: dir, env });
  return JSON.parse(stdout) as LoadResult;
}

export async function medianRequireMs(dir: string, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await loadPackage(dir)).requireMs);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function countFiles(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const stub = path.join(dir, 'node_modules', '@azure', 'functions-core');
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    // The stub of an earlier run is no part of the package.
    if (!entry.isFile() || entry.parentPath.startsWith(stub)) continue;
    files++;
    bytes += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}

/** `node dist/local/packageLoad.js [folder]`: a copy of dist/package/app in the temp folder unless one is named. */
async function main(): Promise<void> {
  const named = process.argv[2];
  const dir = named ? path.resolve(named) : await fs.mkdtemp(path.join(os.tmpdir(), 'telesign-package-load-'));
  try {
    if (!named) await fs.cp(path.join(PACKAGE_DIR, 'app'), dir, { recursive: true });
    assertNoNodeModulesAbove(dir);
    const { files, bytes } = await countFiles(dir);
    await writeFunctionsCoreStub(dir);
    const { registered } = await loadPackage(dir);
    const ms = await medianRequireMs(dir);
    console.log(
      `${files} files, ${bytes} bytes unpacked; ${registered.length} functions registered; require of ${entryFiles(dir).length} entry files: median of 5 fresh processes ${ms.toFixed(0)} ms`,
    );
  } finally {
    if (!named) await fs.rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
