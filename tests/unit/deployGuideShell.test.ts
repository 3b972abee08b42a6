import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

/**
 * The shell of docs/deploy.md, run as written: the blocks that read the deployment outputs (with the Azure CLI and
 * with azd) and the one that stores the API keys, each with `az` or `azd` replaced by a script that answers what
 * the real one answered. The recorded `az deployment sub show` answer carries the output names as ARM returns
 * them (`azurE_RESOURCE_GROUP`), which an exact-key lookup misses.
 */

const root = path.resolve(__dirname, '../..');
const execFileAsync = promisify(execFile);
const guide = readFileSync(path.join(root, 'docs/deploy.md'), 'utf8');
const bashBlocks = [...guide.matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
const recorded = path.join(root, 'tests/fixtures/az-deployment-sub-show.json');
const outputs = (JSON.parse(readFileSync(recorded, 'utf8')) as { properties: { outputs: Record<string, unknown> } })
  .properties.outputs;

function blockWith(text: string): string {
  const found = bashBlocks.filter((b) => b.includes(text));
  if (found.length !== 1) throw new Error(`docs/deploy.md: ${found.length} bash blocks contain ${text}, expected 1`);
  return found[0];
}

const variables = ['RG', 'APP', 'KV', 'SB', 'QUEUE', 'TOPIC', 'ACTIVITIES', 'CALLBACK_URL'];
const expected = {
  RG: 'rg-test',
  APP: 'func-sms-abc123xyz',
  KV: 'kv-abc123xyz',
  SB: 'sb-abc123xyz',
  QUEUE: 'sms-inbound',
  TOPIC: 'channel-events',
  ACTIVITIES: 'dynamics-activities',
  CALLBACK_URL: 'https://func-sms-abc123xyz.azurewebsites.net/api/telesign/callback',
};
const printVariables = variables.map((v) => `printf '%s=%s\\n' ${v} "$${v}"`).join('\n');

let dir: string;
let bin: string;

beforeAll(() => {
  try {
    execFileSync('jq', ['--version']);
  } catch {
    throw new Error('jq is not installed: docs/deploy.md needs it (Debian package jq; .ci/run can apt-get it).');
  }
  dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-guide-'));
  bin = path.join(dir, 'bin');
  mkdirSync(bin);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in CLI: records its arguments, one call a line, and runs `body`. */
function fakeCli(name: string, body: string): void {
  const file = path.join(bin, name);
  writeFileSync(file, `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> "${path.join(dir, `${name}.calls`)}"\n${body}\n`);
  chmodSync(file, 0o755);
}

const calls = (name: string) =>
  readFileSync(path.join(dir, `${name}.calls`), 'utf8')
    .trim()
    .split('\n');

function bash(script: string, input = '') {
  const child = execFileAsync('bash', ['-c', script], {
    cwd: dir,
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, ENV: 'test' },
  });
  child.child.stdin?.end(input);
  return child.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const parse = (stdout: string) =>
  Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('docs/deploy.md step 2, reading the outputs with the Azure CLI', () => {
  const block = blockWith('out() {');

  it('reads the deployment with set -u, and its outputs with jq over to_entries with ascii_downcase', () => {
    expect(block).toMatch(/^set -u$/m);
    expect(block).toMatch(/to_entries/);
    expect(block).toMatch(/ascii_downcase/);
    expect(Object.keys(outputs)).toContain('azurE_RESOURCE_GROUP');
  });

  it("finds every output the next steps use in ARM's recorded answer, whatever the case of its name", async () => {
    fakeCli('az', `[ "$*" = "deployment sub show --name telesign-sms-test -o json" ] || exit 3\ncat "${recorded}"`);
    const result = await bash(`${block}\n${printVariables}`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(parse(result.stdout)).toEqual(expected);
  });

  it('names the missing output and leaves its variable unset, so that set -u stops the step that needs it', async () => {
    const partial = path.join(dir, 'partial.json');
    const answer = JSON.parse(readFileSync(recorded, 'utf8')) as { properties: { outputs: Record<string, unknown> } };
    delete answer.properties.outputs.keY_VAULT_NAME;
    (answer.properties.outputs.servicE_BUS_NAMESPACE as { value: string }).value = '';
    writeFileSync(partial, JSON.stringify(answer));
    fakeCli('az', `cat "${partial}"`);
    const result = await bash(`${block}\necho "RG=$RG"\necho "vault $KV"\necho unreachable`);
    expect(result.stderr).toContain('out: deployment telesign-sms-test has no output KEY_VAULT_NAME');
    expect(result.stderr).toContain('out: deployment telesign-sms-test has no output SERVICE_BUS_NAMESPACE');
    expect(result.stderr).toMatch(/KV: unbound variable/);
    expect(result.stdout).toContain('RG=rg-test');
    expect(result.stdout).not.toContain('unreachable');
    expect(result.code).not.toBe(0);
  });
});

describe('docs/deploy.md step 2, reading the outputs with azd', () => {
  const block = blockWith('azd env get-values');

  it('loads them with eval "$(azd env get-values)" and sets every variable of the next steps', async () => {
    // azd keeps the outputs under the template's own names, quoted, one KEY="value" a line.
    const lines = Object.entries(outputs).map(
      ([name, o]) => `${name.toUpperCase()}="${(o as { value: string }).value}"`,
    );
    lines.push('AZURE_ENV_NAME="test"', 'AZURE_SUBSCRIPTION_ID="00000000-0000-0000-0000-000000000000"');
    writeFileSync(path.join(dir, 'azd-env'), `${lines.join('\n')}\n`);
    fakeCli('azd', `[ "$*" = "env get-values" ] || exit 3\ncat "${path.join(dir, 'azd-env')}"`);
    expect(block).toMatch(/^eval "\$\(azd env get-values\)"$/m);
    const result = await bash(`${block}\n${printVariables}`);
    expect(result.stderr).toBe('');
    expect(parse(result.stdout)).toEqual(expected);
  });

  it('lists in the guide every output azd hands over', () => {
    const main = readFileSync(path.join(root, 'infra/main.bicep'), 'utf8');
    const declared = [...main.matchAll(/^output (\w+) /gm)].map((m) => m[1]);
    expect(declared.length).toBeGreaterThan(0);
    expect(declared.filter((name) => !guide.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('docs/deploy.md step 3, storing the API keys', () => {
  const block = blockWith('az keyvault secret set');

  it("asks for the key of each account's apiKeySecretName, once per name, and stores it there", async () => {
    mkdirSync(path.join(dir, 'infra'), { recursive: true });
    writeFileSync(
      path.join(dir, 'infra/telesign-accounts.json'),
      JSON.stringify([
        { customerId: 'A', apiKeySecretName: 'telesign-key-retail' },
        { customerId: 'B', apiKeySecretName: 'telesign-key-billing' },
        { customerId: 'C', apiKeySecretName: 'telesign-key-retail' },
      ]),
    );
    rmSync(path.join(dir, 'az.calls'), { force: true });
    fakeCli('az', 'exit 0');
    const result = await bash(`KV=kv-abc123xyz\n${block}`, 'billing-key\nretail-key\n');
    expect(result.code).toBe(0);
    expect(calls('az')).toEqual([
      'keyvault secret set --vault-name kv-abc123xyz --name telesign-key-billing --value billing-key --output none',
      'keyvault secret set --vault-name kv-abc123xyz --name telesign-key-retail --value retail-key --output none',
    ]);
    expect(result.stdout).not.toContain('retail-key');
  });
});
