import { execFile } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import ignore from 'ignore';
import { ZipFile } from 'yazl';

import {
  funcAlwaysSkippedDirectories,
  funcAlwaysSkippedFiles,
  funcIgnoreAccepts,
  type PathFilter,
} from './packageFuncIgnore';
import { refuseSecretLookingFiles } from './packageSecretFiles';

/**
 * `npm run package`: the zip that `func azure functionapp publish` uploads after `npm run build` and
 * `npm prune --omit=dev`, built without pruning this working tree. The project folder is walked as func walks it
 * (through .funcignore, read both as func and as git read it, and they must agree), the production dependencies
 * are installed from package-lock.json into a staging folder, and the result is zipped with fixed timestamps so
 * that the same tree gives the same bytes. The staging folder stays as the unzipped package: `azd deploy` ships it
 * (azure.yaml `dist`).
 */

export const PACKAGE_DIR = path.join('dist', 'package');
export const ZIP_NAME = 'telesign-sms-channel.zip';
const STAGING_NAME = 'app';

export interface PackageResult {
  zipPath: string;
  /** The unzipped package: the exact files of the zip. */
  stagingDir: string;
  /** Every path in the zip, `/`-separated, sorted. */
  files: string[];
  bytes: number;
}

export interface PackageOptions {
  /** The project root (where package.json and .funcignore are). Default: the current directory, as under `npm run`. */
  root?: string;
  log?: (line: string) => void;
}

const execFileAsync = promisify(execFile);

// DOS timestamps have no time zone and a 1980 epoch: one fixed local date keeps the zip reproducible.
const FIXED_MTIME = new Date(2000, 0, 1, 0, 0, 0);

function toPosix(relativePath: string): string {
  return relativePath.split(path.sep).join('/');
}

async function listFiles(
  dir: string,
  skip: (relativePath: string, isDirectory: boolean) => boolean,
  base = dir,
): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const relative = toPosix(path.relative(base, full));
    // Core Tools follows links as it reads files; so does this (npm links package bins into node_modules/.bin).
    const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && (await fs.stat(full)).isDirectory());
    if (skip(relative, isDirectory)) continue;
    if (isDirectory) found.push(...(await listFiles(full, skip, base)));
    else found.push(relative);
  }
  return found;
}

function sameName(list: readonly string[], name: string): boolean {
  return list.some((n) => n.toLowerCase() === name.toLowerCase());
}

/** The .funcignore filter as func applies it, checked path by path against git's reading of the same file. */
async function readFuncIgnore(
  root: string,
): Promise<{ accepts: PathFilter; disagreements: (paths: string[]) => string[] }> {
  const content = await fs.readFile(path.join(root, '.funcignore'), 'utf8');
  const accepts = funcIgnoreAccepts(content);
  const git = ignore().add(content);
  return {
    accepts,
    disagreements: (paths) => paths.filter((p) => accepts(p) === git.ignores(p)),
  };
}

/** A stale dist/ would ship functions whose sources are gone: every compiled file must still have its source. */
async function checkBuildOutput(root: string): Promise<void> {
  const missing: string[] = [];
  const stale: string[] = [];
  for (const tree of ['functions', 'shared']) {
    const sources = (await listFiles(path.join(root, tree), () => false)).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'),
    );
    const builtDir = path.join(root, 'dist', tree);
    const built = await listFiles(builtDir, () => false).catch(() => [] as string[]);
    const builtJs = new Set(built.filter((f) => f.endsWith('.js')));
    for (const source of sources) {
      if (!builtJs.has(source.replace(/\.ts$/, '.js'))) missing.push(`dist/${tree}/${source.replace(/\.ts$/, '.js')}`);
    }
    const sourceSet = new Set(sources);
    for (const js of builtJs) {
      if (!sourceSet.has(js.replace(/\.js$/, '.ts'))) stale.push(`dist/${tree}/${js}`);
    }
  }
  if (missing.length > 0)
    throw new Error(`The build output is missing ${missing.slice(0, 5).join(', ')}: run npm run build first.`);
  if (stale.length > 0) {
    throw new Error(
      `dist/ holds compiled files whose sources are gone (${stale.slice(0, 5).join(', ')}): delete dist/ and build again.`,
    );
  }
}

function npmCommand(args: string[]): { file: string; args: string[] } {
  // Under `npm run`, npm_execpath is the npm that runs us: reuse it rather than whichever npm is first on PATH.
  const execPath = process.env.npm_execpath;
  if (execPath && /\.c?js$/.test(execPath)) return { file: process.execPath, args: [execPath, ...args] };
  return { file: process.platform === 'win32' ? 'npm.cmd' : 'npm', args };
}

async function installProductionDependencies(stagingDir: string): Promise<void> {
  const env = { ...process.env };
  // Settings npm hands to its scripts would otherwise point this install back at the project.
  for (const key of Object.keys(env)) {
    if (/^npm_config_(local_prefix|prefix|global|workspaces?|include_workspace_root)$/i.test(key)) delete env[key];
  }
  const { file, args } = npmCommand([
    'ci',
    '--omit=dev',
    '--ignore-scripts',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--prefix',
    stagingDir,
  ]);
  try {
    await execFileAsync(file, args, {
      cwd: stagingDir,
      env,
      maxBuffer: 16 * 1024 * 1024,
      shell: process.platform === 'win32',
    });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`npm ci --omit=dev failed in ${stagingDir}:\n${e.stderr || e.stdout || e.message}`);
  }
}

function writeZip(stagingDir: string, files: string[], zipPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    const out = createWriteStream(zipPath);
    out.on('close', resolve);
    out.on('error', reject);
    zip.outputStream.on('error', reject);
    zip.outputStream.pipe(out);
    for (const file of files) zip.addFile(path.join(stagingDir, file), file, { mtime: FIXED_MTIME, mode: 0o100644 });
    zip.end();
  });
}

export async function buildPackage(options: PackageOptions = {}): Promise<PackageResult> {
  const root = path.resolve(options.root ?? process.cwd());
  const log = options.log ?? (() => {});
  const outDir = path.join(root, PACKAGE_DIR);
  const stagingDir = path.join(outDir, STAGING_NAME);
  const zipPath = path.join(outDir, ZIP_NAME);

  await checkBuildOutput(root);
  const funcIgnore = await readFuncIgnore(root);

  // The project folder as func sees it, minus node_modules: the production dependencies come from the lock file.
  const projectFiles = await listFiles(root, (relative, isDirectory) => {
    const name = path.posix.basename(relative);
    if (isDirectory)
      return (
        relative === 'node_modules' || relative === toPosix(PACKAGE_DIR) || sameName(funcAlwaysSkippedDirectories, name)
      );
    return sameName(funcAlwaysSkippedFiles, name);
  });
  const disagreeing = funcIgnore.disagreements(projectFiles);
  if (disagreeing.length > 0) {
    throw new Error(
      `func and git read .funcignore differently on ${disagreeing.slice(0, 5).join(', ')}: write the pattern so that both match the same paths (see the top of .funcignore).`,
    );
  }
  const uploaded = projectFiles.filter(funcIgnore.accepts);
  // Before anything is staged: the project's own files only, the dependencies come from the lock file.
  refuseSecretLookingFiles(uploaded);
  for (const required of ['host.json', 'package.json']) {
    if (!uploaded.includes(required))
      throw new Error(`.funcignore excludes ${required}, which the package needs at its root.`);
  }

  await fs.rm(stagingDir, { recursive: true, force: true });
  await fs.mkdir(stagingDir, { recursive: true });
  for (const file of uploaded) {
    await fs.mkdir(path.join(stagingDir, path.dirname(file)), { recursive: true });
    await fs.copyFile(path.join(root, file), path.join(stagingDir, file));
  }
  const lockCopied = uploaded.includes('package-lock.json');
  if (!lockCopied) await fs.copyFile(path.join(root, 'package-lock.json'), path.join(stagingDir, 'package-lock.json'));

  log('installing production dependencies (npm ci --omit=dev)…');
  await installProductionDependencies(stagingDir);
  if (!lockCopied) await fs.rm(path.join(stagingDir, 'package-lock.json'));

  const staged = await listFiles(stagingDir, () => false);
  const dependencyDisagreements = funcIgnore.disagreements(staged);
  if (dependencyDisagreements.length > 0) {
    throw new Error(
      `.funcignore reads differently for func and for git on ${dependencyDisagreements.slice(0, 5).join(', ')}.`,
    );
  }
  // Whatever .funcignore drops from node_modules, func would not upload either: the staging folder holds the zip, no more.
  for (const file of staged.filter((f) => !funcIgnore.accepts(f))) await fs.rm(path.join(stagingDir, file));
  const files = staged.filter(funcIgnore.accepts).sort();

  await fs.rm(zipPath, { force: true });
  await writeZip(stagingDir, files, zipPath);
  const bytes = (await fs.stat(zipPath)).size;
  return { zipPath, stagingDir, files, bytes };
}

export function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

if (require.main === module) {
  buildPackage({ log: (line) => console.log(line) })
    .then((result) => {
      console.log(
        `${path.relative(process.cwd(), result.zipPath)}: ${result.files.length} files, ${formatSize(result.bytes)} (${result.bytes} bytes)`,
      );
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
