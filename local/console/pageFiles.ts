import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The page's files: index.html and console.css from the sources (local/console/page/), the scripts as
 * tsconfig.console.json compiled them (dist/local/console/page/). Found from the project root, which holds
 * package.json, so the same code serves them from dist/ (npm start) and from the sources (the tests).
 */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('The project root (package.json) is not above local/console.');
    dir = up;
  }
  return dir;
}

const root = projectRoot();
export const pageSources = path.join(root, 'local', 'console', 'page');
export const pageScripts = path.join(root, 'dist', 'local', 'console', 'page');

/** What the page is told at load: local only, so the function key may be in it. */
export interface PageConfig {
  functionKey: string;
  dynamicsSandbox: boolean;
  supportNumbers: string[];
}

/** index.html with the config inline; `<` escaped so no value can close the script element. */
export function indexHtml(config: PageConfig): string {
  const html = readFileSync(path.join(pageSources, 'index.html'), 'utf8');
  const inline = JSON.stringify(config).replace(/</g, '\\u003c');
  // The whole element's content, however a formatter laid the placeholder out.
  return html.replace(
    /(<script id="config" type="application\/json">)[\s\S]*?(<\/script>)/,
    (_all, open: string, close: string) => `${open}${inline}${close}`,
  );
}

/** A script of the page by its bare name (`console.js`, `phone.js`), or undefined: no path ever climbs out. */
export function pageScript(name: string): string | undefined {
  if (!/^[a-zA-Z0-9]+\.js$/.test(name)) return undefined;
  const file = path.join(pageScripts, name);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

export const stylesheet = () => readFileSync(path.join(pageSources, 'console.css'), 'utf8');
