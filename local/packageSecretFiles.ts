import * as path from 'node:path';

/**
 * The names of files that hold configuration with secrets, or would once filled in: none of them may reach the
 * deployment package, where anyone who can read the app's storage or download its content would find it. The
 * accounts file of docs/deploy.md step 1 holds no key, but it is the operator's filled-in copy and sits next to
 * files that do; a .funcignore that forgot one of these would otherwise ship it without a word.
 */
const secretLooking: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  { pattern: /accounts?[^/]*\.json$/i, what: 'an accounts file (docs/deploy.md step 1 keeps it under infra/)' },
  { pattern: /^local\.settings[^/]*\.json$/i, what: 'local settings, which hold connection strings and keys' },
  { pattern: /(secret|credential)s?[^/]*\.json$/i, what: 'a secrets or credentials file' },
  { pattern: /^\.env(\..+)?$/i, what: 'an environment file' },
  { pattern: /\.(pem|key|pfx|p12|publishsettings)$/i, what: 'a private key, certificate or publish profile' },
];

export interface SecretLookingFile {
  file: string;
  what: string;
}

/** The project files (not dependencies) among `files` whose name looks like configuration with secrets. */
export function secretLookingFiles(files: readonly string[]): SecretLookingFile[] {
  return files.flatMap((file) => {
    const name = path.posix.basename(file);
    const match = secretLooking.find(({ pattern }) => pattern.test(name));
    return match ? [{ file, what: match.what }] : [];
  });
}

/** Throws, naming each file, when the upload would carry one of them. */
export function refuseSecretLookingFiles(files: readonly string[]): void {
  const found = secretLookingFiles(files);
  if (found.length === 0) return;
  throw new Error(
    [
      'The package would include files that look like configuration with secrets:',
      ...found.map(({ file, what }) => `  ${file}: ${what}`),
      'Move them out of the project folder (the accounts and routing files belong under infra/, which is git-ignored',
      'for them and never uploaded), or exclude them in .funcignore.',
    ].join('\n'),
  );
}
