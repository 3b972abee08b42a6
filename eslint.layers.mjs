/**
 * The import rules of the folder layout (docs/architecture.md), as eslint `no-restricted-imports` settings.
 * The rule takes one option set per file, so each folder gets the union of the restrictions that apply to it.
 * Specifiers are matched as written: a relative one is matched however many `../` it climbs, so
 * `../http/toHttp` and `../../shared/http/toHttp` are both caught. tests/, bench/ and local/ are not restricted.
 */

/** Relative specifiers that reach shared/<folder>, from anywhere under functions/ or shared/. */
const into = (folder) => `^(\\.\\./)+(shared/)?${folder}(/|$)`;

const anyAzure = { group: ['@azure/*'], message: 'Reach Azure through a port; only the adapters import an Azure SDK.' };

/** Each Azure SDK belongs to one adapter folder; the identity library to the adapters that sign in to Azure. */
const sdkHomes = [
  { sdk: '@azure/data-tables', homes: ['storage'] },
  { sdk: '@azure/service-bus', homes: ['queue'] },
  { sdk: '@azure/keyvault-secrets', homes: ['secrets'] },
  { sdk: '@azure/identity', homes: ['storage', 'queue', 'secrets', 'dynamics'] },
];

const sdkRestrictions = (folder) =>
  sdkHomes
    .filter(({ homes }) => !homes.includes(folder))
    .map(({ sdk, homes }) => ({
      group: [sdk, `${sdk}/*`],
      message: `${sdk} is imported only in ${homes.map((h) => `shared/${h}/`).join(', ')}.`,
    }));

const noLocal = {
  regex: into('local'),
  message: 'local/ is the laptop host: nothing under functions/ or shared/ may depend on it.',
};

/** What each folder under shared/ may not import, beyond the SDK and local/ rules that hold everywhere. */
const folderRestrictions = {
  // domain/ and ports/ are flat folders: any `../` leaves them.
  domain: [
    { regex: '^\\.\\./', message: 'shared/domain/ is pure logic: it imports nothing of ours but domain/ itself.' },
    anyAzure,
  ],
  ports: [
    { regex: '^\\.\\./(?!domain(/|$))', message: 'shared/ports/ speak the domain: they import only shared/domain/.' },
    anyAzure,
  ],
  services: [
    anyAzure,
    { regex: into('http'), message: 'Services return outcomes; the entry points map them to HTTP.' },
  ],
};

const restricted = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/** The folders whose rules differ from the ones that hold everywhere under functions/ and shared/. */
const specialFolders = [...new Set([...sdkHomes.flatMap(({ homes }) => homes), ...Object.keys(folderRestrictions)])];

export const layerRules = [
  { files: ['functions/**/*.ts', 'shared/**/*.ts'], rules: restricted([...sdkRestrictions(undefined), noLocal]) },
  ...specialFolders.map((folder) => ({
    files: [`shared/${folder}/**/*.ts`],
    // A folder barred from every Azure SDK needs no per-SDK rule on top (each would report the same import again).
    rules: restricted(
      folderRestrictions[folder]?.includes(anyAzure)
        ? [...folderRestrictions[folder], noLocal]
        : [...(folderRestrictions[folder] ?? []), ...sdkRestrictions(folder), noLocal],
    ),
  })),
];
