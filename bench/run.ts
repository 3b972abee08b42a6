/**
 * `npm run bench`: each hot path of the channel beside its floor (the operations it cannot do without), measured in
 * one process on this machine with the embedded parts (Azurite, the broker, the Telesign and Dynamics sandboxes)
 * on loopback: interleaved rounds (A B, B A, …), medians, storage requests counted by a pipeline policy on the
 * bench's Table clients. Figures, not assertions (the tests assert behaviour; tests/integration/bench.test.ts runs
 * these phases on tiny sizes). Prints a table, writes bench/results.json. BENCH_SCALE scales the sizes (bench/sizes.ts).
 */
import path from 'node:path';

import { plannedUnits, runBench } from './bench';
import { progressBar } from './progress';
import { printResults, writeResults } from './report';
import { benchSizes } from './sizes';

async function main() {
  const sizes = benchSizes();
  const progress = progressBar(plannedUnits(sizes));
  const results = await runBench(sizes, progress);
  progress.done();
  printResults(results);
  const file = path.join(__dirname, '..', '..', 'bench', 'results.json');
  writeResults(results, file);
  console.log(`figures written to ${path.relative(process.cwd(), file)}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
