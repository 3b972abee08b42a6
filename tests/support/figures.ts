import { appendFileSync } from 'node:fs';

/**
 * What a reliability suite tried and found, for the reliability figures (issue 12: SMS sent, duplicates, faults by
 * kind, fuzz inputs tried, 5xx, forgeries accepted, log leaks). Each suite asserts on its own figures; with
 * TEST_FIGURES_FILE set, it also appends them there as one JSON line, which `npm run test:faults` sums and prints.
 */
export type Figures = Record<string, number>;

export function figures<K extends string>(...names: K[]): Record<K, number> {
  return Object.fromEntries(names.map((n) => [n, 0])) as Record<K, number>;
}

export function recordFigures(suite: string, values: Figures): void {
  const file = process.env.TEST_FIGURES_FILE;
  if (file) appendFileSync(file, `${JSON.stringify({ suite, ...values })}\n`);
}

/**
 * The number of runs and the seed of a property: fixed, so CI reproduces; FUZZ_SCALE (a factor) and FUZZ_SEED let
 * a deeper or different search be run by hand, e.g. `FUZZ_SCALE=20 FUZZ_SEED=7 npx jest tests/property`.
 */
export function runs(n: number): number {
  const scale = Number(process.env.FUZZ_SCALE ?? '1');
  return Number.isFinite(scale) && scale > 0 ? Math.max(1, Math.round(n * scale)) : n;
}

export function seedOf(fixed: number): number {
  const given = process.env.FUZZ_SEED;
  return given !== undefined && Number.isSafeInteger(Number(given)) ? fixed + Number(given) : fixed;
}
