import { readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import * as path from 'node:path';

/**
 * Every file the entry files could ever require, not only those a start-up loads: credentials and clients
 * require some of their modules lazily, on the first request. A package the packager leaves out
 * (.funcignore) must appear in none of these requests, or a deployed function would fail on the path that
 * needs it. Found by reading the code: each literal `require('…')` and `import('…')` is resolved as Node
 * resolves a require from that file. A specifier built at run time is not seen; none of ours or of the Azure
 * SDK's is for a package we leave out.
 */

export interface Request {
  from: string;
  specifier: string;
  /** Relative to the package folder, `/`-separated; undefined when it does not resolve there. */
  resolved?: string;
}

const literalLoad = /\b(?:require|import)\(\s*(['"])([^'"\n]+)\1\s*\)/g;

export function requireGraph(dir: string, entries: readonly string[]): { files: Set<string>; requests: Request[] } {
  const root = path.resolve(dir);
  const files = new Set<string>();
  const requests: Request[] = [];
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    if (!/\.[cm]?js$/.test(file)) continue;
    const full = path.join(root, file);
    const resolveFrom = createRequire(full);
    for (const match of readFileSync(full, 'utf8').matchAll(literalLoad)) {
      const specifier = match[2];
      if (isBuiltin(specifier)) continue;
      let resolved: string | undefined;
      try {
        resolved = path.relative(root, resolveFrom.resolve(specifier)).split(path.sep).join('/');
      } catch {
        // Optional requires inside try/catch (peer packages nobody installed) do not resolve either: recorded, not followed.
      }
      requests.push({ from: file, specifier, resolved });
      if (resolved && !resolved.startsWith('..')) pending.push(resolved);
    }
  }
  return { files, requests };
}
