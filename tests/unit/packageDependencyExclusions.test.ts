import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import ignore from 'ignore';

import { funcIgnoreAccepts } from '../../local/packageFuncIgnore';

/**
 * .funcignore's lines for dependencies, read as Core Tools and as git read them: both must drop the maps, the
 * declarations and the packages Node never loads, and keep the JavaScript beside them.
 */

const content = readFileSync(path.resolve(__dirname, '../../.funcignore'), 'utf8');
const func = funcIgnoreAccepts(content);
const git = ignore().add(content);
const readings = (file: string) => ({ func: func(file), git: !git.ignores(file) });

describe(".funcignore on the dependencies' files", () => {
  it.each([
    'node_modules/@azure/identity/dist/commonjs/index.js.map',
    'node_modules/@azure/identity/dist/commonjs/index.d.ts',
    'node_modules/zod/v4/core/core.d.cts',
    'node_modules/zod/v4/core/core.d.mts',
    'node_modules/@types/node/fs.d.ts',
    'node_modules/@azure/msal-browser/package.json',
    'node_modules/@azure/msal-browser/lib/msal-browser.cjs',
  ])('drops %s', (file) => {
    expect(readings(file)).toEqual({ func: false, git: false });
  });

  it.each([
    'node_modules/@azure/identity/dist/commonjs/index.js',
    'node_modules/@azure/identity/package.json',
    'node_modules/@azure/msal-node/dist/index.cjs',
    'node_modules/@azure/msal-common/lib/index-node.js',
    'node_modules/zod/v4/core/core.cjs',
  ])('keeps %s', (file) => {
    expect(readings(file)).toEqual({ func: true, git: true });
  });

  it("disagrees on a name that holds '.map.' inside it, which is why the packager compares the two readings", () => {
    // Core Tools matches a pattern up to a word boundary: for it `*.map` also covers `es.array.map.js`.
    expect(readings('node_modules/core-js/modules/es.array.map.js')).toEqual({ func: false, git: true });
  });
});
