/**
 * How `func azure functionapp publish` reads .funcignore, so that `npm run package` can prove it builds the same
 * upload. Core Tools does not use git's rules: its GitIgnoreParser (a C# port of codemix/gitignore-parser)
 * anchors every pattern at the project root, lets a pattern match any prefix of the path that ends at a word
 * boundary (`local` also matches `local.settings.json`), stops `*` at a slash, and lets a negation win over every
 * exclusion whatever their order. Ported from src/Cli/func/Common/GitIgnoreParser.cs.
 */
export type PathFilter = (relativePath: string) => boolean;

function toRegexSource(pattern: string): string {
  return pattern
    .replace(/[-[\]/{}()+?.\\^$|]/g, '\\$&')
    .replaceAll('**', '(.+)')
    .replaceAll('*', '([^\\/]+)');
}

function anyOf(patterns: string[]): RegExp {
  return patterns.length === 0 ? /$^/ : new RegExp(`^((${patterns.map(toRegexSource).join(')|(')}))\\b`);
}

/** True when func would upload the file at this path (relative to the project root, `/`-separated). */
export function funcIgnoreAccepts(funcIgnoreContent: string): PathFilter {
  const positives: string[] = [];
  const negatives: string[] = [];
  for (const raw of funcIgnoreContent.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negative = line.startsWith('!');
    if (negative) line = line.slice(1);
    if (line.startsWith('/')) line = line.slice(1);
    (negative ? negatives : positives).push(line);
  }
  const excluded = anyOf(positives);
  const included = anyOf(negatives);
  return (relativePath) => included.test(relativePath) || !excluded.test(relativePath);
}

/** Whatever .funcignore says, func never walks into these folders nor uploads these files (FileSystemHelpers.GetLocalFiles). */
export const funcAlwaysSkippedDirectories: readonly string[] = ['.git', '.vscode'];
export const funcAlwaysSkippedFiles: readonly string[] = [
  '.funcignore',
  '.gitignore',
  'local.settings.json',
  'project.lock.json',
];
