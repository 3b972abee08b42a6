/**
 * `npm run test:faults`: the reliability suites of docs/reliability.md (fuzz, load with duplicates, faults, stop
 * and restart), run by jest with TEST_FIGURES_FILE set, then the figures they recorded, summed by name. Arguments
 * go to jest, e.g. `npm run test:faults -- tests` for the whole suite (every file's log audit included).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SUITES = [
  'tests/property',
  'tests/integration/loadWithDuplicates.test.ts',
  'tests/integration/authenticCallbacksKept.test.ts',
  'tests/integration/storageOutage.test.ts',
  'tests/integration/brokerOutage.test.ts',
  'tests/integration/telesignFaults.test.ts',
  'tests/integration/send.test.ts',
  'tests/integration/stopRestart.test.ts',
  'tests/integration/stuckSends.test.ts',
  'tests/integration/localHostBadInput.test.ts',
  'tests/integration/dynamicsBridgeLoad.test.ts',
];

type Line = { suite: string } & Record<string, unknown>;

/** Figures of one name summed over every line that has it; per suite, and over all suites. */
export function sumFigures(lines: readonly Line[]): {
  bySuite: Map<string, Map<string, number>>;
  total: Map<string, number>;
} {
  const bySuite = new Map<string, Map<string, number>>();
  const total = new Map<string, number>();
  for (const { suite, ...values } of lines) {
    const own = bySuite.get(suite) ?? new Map<string, number>();
    bySuite.set(suite, own);
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== 'number') continue;
      own.set(name, (own.get(name) ?? 0) + value);
      total.set(name, (total.get(name) ?? 0) + value);
    }
  }
  return { bySuite, total };
}

function main(): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'test-faults-'));
  const file = path.join(dir, 'figures.jsonl');
  try {
    const args = process.argv.slice(2);
    const jest = path.join(process.cwd(), 'node_modules', '.bin', 'jest');
    const run = spawnSync(jest, args.length ? args : SUITES, {
      stdio: 'inherit',
      env: { ...process.env, TEST_FIGURES_FILE: file },
    });
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // No suite recorded anything (jest failed to start): the exit code says so.
    }
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
    const { bySuite, total } = sumFigures(lines);
    console.log('\nreliability figures');
    for (const [suite, values] of [...bySuite].sort(([a], [b]) => a.localeCompare(b)))
      console.log(`  ${suite}: ${[...values].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`  all suites: ${[...total].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return run.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) process.exitCode = main();
