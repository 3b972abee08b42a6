import { execFile } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';

import { parse as parseYaml } from 'yaml';

import { entryFiles, loadPackage, medianRequireMs, writeFunctionsCoreStub } from '../../local/packageLoad';
import { requireGraph } from '../../local/packageRequireGraph';
import { buildPackage, formatSize, PACKAGE_DIR, ZIP_NAME } from '../../local/packageZip';

/**
 * Runs `npm run package` as `azd deploy` does, through azure.yaml's prepackage hook, and inspects the zip it
 * writes: what `func azure functionapp publish` uploads, and what runs in Azure. The zip is read from its own
 * central directory, so this checks the artifact, not the packager's idea of it.
 */

const root = path.resolve(__dirname, '../..');
const execFileAsync = promisify(execFile);

/** The whole packages .funcignore leaves out of node_modules (`/node_modules/<name>` lines). */
const omittedPackages = readFileSync(path.join(root, '.funcignore'), 'utf8')
  .split('\n')
  .map((line) => /^\/node_modules\/((?:@[^/]+\/)?[^/*]+)$/.exec(line.trim())?.[1])
  .filter((name): name is string => name !== undefined);

/** '@azure/identity/dist/x' → '@azure/identity'; './x' → './x' (no package). */
function packageNameOf(specifier: string): string {
  return specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
}

/** True when `npm ci --omit=dev` installs this lock-file path (node_modules/…). */
function productionPackage(lockPath: string): boolean {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const entry = lock.packages[lockPath];
  return entry !== undefined && entry.dev !== true;
}

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function readCentralDirectory(zip: Buffer): { declaredCount: number; entries: ZipEntry[] } {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('no end of central directory record');
  let declaredCount = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if (declaredCount === 0xffff || offset === 0xffffffff) {
    // Zip64: the locator just before the record points at the zip64 end of central directory.
    const zip64 = Number(zip.readBigUInt64LE(eocd - 20 + 8));
    declaredCount = Number(zip.readBigUInt64LE(zip64 + 32));
    offset = Number(zip.readBigUInt64LE(zip64 + 48));
  }
  const entries: ZipEntry[] = [];
  while (zip.readUInt32LE(offset) === 0x02014b50) {
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return { declaredCount, entries };
}

function extract(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== 0x04034b50) throw new Error(`no local header for ${entry.name}`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  const content = entry.method === 8 ? inflateRawSync(data) : Buffer.from(data);
  if (content.length !== entry.size) throw new Error(`${entry.name}: ${content.length} bytes, expected ${entry.size}`);
  return content;
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('**')
    .map((part) =>
      part
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]'),
    )
    .join('.*');
  return new RegExp(`^${source}$`);
}

/** node_modules/a/node_modules/@s/b/lib/x.js → node_modules/a/node_modules/@s/b */
function packageDirOf(file: string): string {
  const match = /^(node_modules\/(?:@[^/]+\/)?[^/]+(?:\/node_modules\/(?:@[^/]+\/)?[^/]+)*)/.exec(file);
  if (!match) throw new Error(`not inside a package: ${file}`);
  return match[1];
}

/** The api service's prepackage hook in azure.yaml: what azd runs before it zips `dist`. */
function prepackageHook(): { shell: string; run: string; dist: string } {
  const azure = parseYaml(readFileSync(path.join(root, 'azure.yaml'), 'utf8')) as {
    services: { api: { dist: string; hooks?: { prepackage?: { shell: string; run: string } } } };
  };
  const hook = azure.services.api.hooks?.prepackage;
  if (!hook) throw new Error('azure.yaml: services.api.hooks.prepackage is missing');
  return { ...hook, dist: azure.services.api.dist };
}

describe('npm run package', () => {
  const zipPath = path.join(root, PACKAGE_DIR, ZIP_NAME);
  let zip: Buffer;
  let entries: ZipEntry[];
  let names: string[];
  let declaredCount: number;
  let packagerOutput: string;
  const hook = prepackageHook();
  const stagingDir = path.join(root, hook.dist);
  // Left in the staging folder by "an earlier package"; a fresh one holds only what the hook stages.
  const staleMarker = path.join(stagingDir, 'left-by-an-earlier-package.txt');
  // A source file touched just before the hook: everything azd ships must be newer.
  const touchedSource = path.join(root, 'functions', 'health.ts');
  let touchedAt: number;

  beforeAll(async () => {
    await fs.mkdir(stagingDir, { recursive: true });
    await fs.writeFile(staleMarker, 'stale');
    const now = new Date();
    await fs.utimes(touchedSource, now, now);
    touchedAt = (await fs.stat(touchedSource)).mtimeMs;
    // As azd runs an inline hook: the shell it names, in the service's project folder (`project: .`).
    const { stdout } = await execFileAsync(hook.shell, ['-c', hook.run], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    packagerOutput = stdout;
    zip = await fs.readFile(zipPath);
    ({ declaredCount, entries } = readCentralDirectory(zip));
    names = entries.map((e) => e.name);
    console.log(
      `deployment package ${path.relative(root, zipPath)}: ${entries.length} files, ${formatSize(zip.length)} (${zip.length.toLocaleString('en-US')} bytes)`,
    );
  }, 300_000);

  it('writes a well-formed zip and reports its size', () => {
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBe(declaredCount);
    expect(new Set(names).size).toBe(names.length);
    expect(packagerOutput).toContain(`${zip.length} bytes`);
  });

  it('holds host.json and package.json at its root, as in the project', () => {
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(extract(zip, byName.get('host.json')!).toString('utf8')).toBe(
      readFileSync(path.join(root, 'host.json'), 'utf8'),
    );
    expect(extract(zip, byName.get('package.json')!).toString('utf8')).toBe(
      readFileSync(path.join(root, 'package.json'), 'utf8'),
    );
  });

  it("holds exactly the compiled function files that package.json's main glob names", () => {
    const byName = new Map(entries.map((e) => [e.name, e]));
    const main = JSON.parse(extract(zip, byName.get('package.json')!).toString('utf8')).main as string;
    const matched = names.filter((n) => globToRegExp(main.replace(/^\.\//, '')).test(n)).sort();
    const functionSources = functionFiles();
    const expected = functionSources.map((f) => `dist/functions/${f.replace(/\.ts$/, '.js')}`).sort();
    expect(matched.length).toBeGreaterThan(0);
    expect(matched).toEqual(expected);
  });

  it('holds only the runtime: compiled code, host.json, the manifest and node_modules', () => {
    const topLevel = new Set(names.map((n) => n.split('/')[0]));
    expect([...topLevel].sort()).toEqual(['dist', 'host.json', 'node_modules', 'package-lock.json', 'package.json']);
    const underDist = new Set(names.filter((n) => n.startsWith('dist/')).map((n) => n.split('/')[1]));
    expect([...underDist].sort()).toEqual(['functions', 'shared']);
  });

  it('leaves out the laptop-only code, the local settings, the tests and the TypeScript sources', () => {
    const ours = names.filter((n) => !n.startsWith('node_modules/'));
    expect(ours.filter((n) => n.startsWith('local/') || n.startsWith('dist/local/'))).toEqual([]);
    expect(names.filter((n) => /(^|\/)local\.settings(\.sample)?\.json$/.test(n))).toEqual([]);
    expect(ours.filter((n) => n.startsWith('tests/') || n.startsWith('dist/tests/') || /\.test\.js$/.test(n))).toEqual(
      [],
    );
    expect(ours.filter((n) => n.endsWith('.ts') || n.endsWith('.js.map'))).toEqual([]);
    expect(ours.filter((n) => /^(functions|shared|bench|docs|infra)\//.test(n))).toEqual([]);
  });

  it('holds nothing of the local console (issue 16): no local/ path, no console page, no code that names it', () => {
    // The console is `npm start`'s alone: local/console/ (its server side) and local/console/page/ (index.html,
    // console.css, and console.ts compiled to dist/local/console/page/). None of it may reach Azure.
    const ours = names.filter((n) => !n.startsWith('node_modules/'));
    expect(ours.filter((n) => /(^|\/)local\//.test(n))).toEqual([]);
    expect(names.filter((n) => /(^|\/)local\/console(\/|$)/.test(n))).toEqual([]);
    expect(ours.filter((n) => /console/i.test(n))).toEqual([]);
    expect(ours.filter((n) => /\.(html?|css)$/i.test(n))).toEqual([]);
    // Nor does the shipped code require or serve it from elsewhere.
    const byName = new Map(entries.map((e) => [e.name, e]));
    const naming = ours
      .filter((n) => n.endsWith('.js'))
      .filter((n) => /local\/console|console\/page|console\.css/.test(extract(zip, byName.get(n)!).toString('utf8')));
    expect(naming).toEqual([]);
  });

  it("leaves out the dependencies' source maps and type declarations, and the packages Node never loads", () => {
    const dependencyFiles = names.filter((n) => n.startsWith('node_modules/'));
    expect(dependencyFiles.filter((n) => /\.(map|d\.[cm]?ts)$/.test(n))).toEqual([]);
    expect(omittedPackages).toContain('@azure/msal-browser');
    for (const omitted of omittedPackages) {
      expect(
        dependencyFiles.filter(
          (n) => n.startsWith(`node_modules/${omitted}/`) || n.includes(`/node_modules/${omitted}/`),
        ),
      ).toEqual([]);
      // Still in the lock file: npm installs it, and only the packager drops it.
      expect(productionPackage(`node_modules/${omitted}`)).toBe(true);
    }
    // The JavaScript the maps and declarations sat next to is all there.
    expect(dependencyFiles.filter((n) => /\.[cm]?js$/.test(n)).length).toBeGreaterThan(1000);
  });

  it('holds the production dependencies from package-lock.json and none of the development ones', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const packageDirs = new Set(
      names
        .filter(
          (n) =>
            n.startsWith('node_modules/') &&
            n !== 'node_modules/.package-lock.json' &&
            !n.startsWith('node_modules/.bin/'),
        )
        .map(packageDirOf),
    );
    const notInLock = [...packageDirs].filter((dir) => !lock.packages[dir]);
    const devOnly = [...packageDirs].filter((dir) => lock.packages[dir]?.dev === true);
    expect(notInLock).toEqual([]);
    expect(devOnly).toEqual([]);
    for (const dependency of Object.keys(manifest.dependencies)) {
      expect(names).toContain(`node_modules/${dependency}/package.json`);
    }
    for (const tool of ['typescript', 'jest', 'ts-jest', 'azurite', 'eslint', 'yazl', 'ignore']) {
      expect(packageDirs.has(`node_modules/${tool}`)).toBe(false);
    }
  });

  it("leaves azd a fresh dist/package/app after azure.yaml's prepackage hook: rebuilt, restaged, nothing stale", () => {
    expect(hook.run).toMatch(/\bnpm run package\b/);
    expect(existsSync(staleMarker)).toBe(false);
    const staged = readdirFiles(stagingDir);
    const older = staged.filter((f) => statSync(path.join(stagingDir, f)).mtimeMs < touchedAt);
    expect(staged.length).toBeGreaterThan(0);
    expect(older).toEqual([]);
    // What ships is the build of the current sources, not an earlier one.
    for (const f of functionFiles()) {
      const js = `dist/functions/${f.replace(/\.ts$/, '.js')}`;
      expect([js, readFileSync(path.join(stagingDir, js), 'utf8')]).toEqual([
        js,
        readFileSync(path.join(root, js), 'utf8'),
      ]);
    }
  });

  it('is the same file set as the staging folder that azd deploys', async () => {
    const staged = readdirFiles(path.join(root, PACKAGE_DIR, 'app'));
    expect(staged.sort()).toEqual([...names].sort());
  });

  it('loads and registers every function from the zip alone, without the project or its dev dependencies', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'telesign-package-'));
    try {
      // Nothing above the extracted folder may hold a node_modules that would hide a missing dependency.
      for (let up = path.dirname(dir); up !== path.dirname(up); up = path.dirname(up)) {
        expect(existsSync(path.join(up, 'node_modules'))).toBe(false);
      }
      for (const entry of entries) {
        const target = path.join(dir, entry.name);
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.writeFile(target, extract(zip, entry));
      }
      await writeFunctionsCoreStub(dir);
      const { registered, requested } = await loadPackage(dir, true);
      // What the packager leaves out of node_modules: never requested at start-up, nor by any later code path.
      expect(requested.filter((r) => omittedPackages.some((p) => r === p || r.startsWith(`${p}/`)))).toEqual([]);
      const graph = requireGraph(dir, entryFiles(dir));
      expect(graph.requests.filter((r) => omittedPackages.includes(packageNameOf(r.specifier)))).toEqual([]);
      // A request that no longer resolves must be one npm never installs either (an optional peer in a try/catch).
      const unresolvedInstalled = graph.requests.filter(
        (r) => r.resolved === undefined && productionPackage(`node_modules/${packageNameOf(r.specifier)}`),
      );
      expect(unresolvedInstalled).toEqual([]);
      console.log(
        `the extracted zip: ${registered.length} functions registered, ${graph.files.size} files reachable by require; require of the entry files, median of 5 fresh processes: ${(await medianRequireMs(dir)).toFixed(0)} ms`,
      );
      const declared = functionFiles().flatMap((f) =>
        [...readFileSync(path.join(root, 'functions', f), 'utf8').matchAll(/app\.\w+\(\s*'([^']+)'/g)].map((m) => m[1]),
      );
      expect(declared.length).toBeGreaterThan(0);
      expect(registered).toEqual(expect.arrayContaining(declared));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses, naming it, a project file that looks like configuration with secrets, before staging anything', async () => {
    // A name no operator uses, so that a real accounts file is never touched; .funcignore does not exclude it.
    const planted = `operator-accounts-${process.pid}.json`;
    const plantedPath = path.join(root, planted);
    const zipBefore = statSync(zipPath).mtimeMs;
    await fs.writeFile(plantedPath, JSON.stringify([{ customerId: 'FFFFFFFF-EEEE-DDDD-1234-AB1234567890' }]));
    try {
      await expect(buildPackage({ root })).rejects.toThrow(
        new RegExp(`look like configuration with secrets:\\n {2}${planted.replace(/\./g, '\\.')}: an accounts file`),
      );
    } finally {
      await fs.rm(plantedPath, { force: true });
    }
    expect(statSync(zipPath).mtimeMs).toBe(zipBefore);
    expect(existsSync(path.join(stagingDir, planted))).toBe(false);
  });
});

/** One file per function at the top of functions/ (helpers live in functions/support/). */
function functionFiles(): string[] {
  return readdirSync(path.join(root, 'functions')).filter((f) => f.endsWith('.ts'));
}

function readdirFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...readdirFiles(full, base));
    else out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}
