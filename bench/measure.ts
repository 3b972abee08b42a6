import type { RequestCounter } from '../shared/storage/requestCounter';
import type { Progress } from './progress';

/** One side of a comparison: medians over the rounds it ran, and what each operation cost in storage requests. */
export interface Figures {
  ops: number;
  /** Median over rounds of (operations / round time). */
  perSecond: number;
  p50: number;
  p95: number;
  max: number;
  /** Storage requests per operation (counted by the pipeline policy), and how many of them were queries. */
  requestsPerOp?: number;
  queriesPerOp?: number;
}

/** A path beside its floor, from the same run. */
export interface Comparison {
  name: string;
  floorName: string;
  concurrency: number;
  path: Figures;
  floor: Figures;
  /** path ops/s ÷ floor ops/s (≥ 1 is as fast as the floor). */
  rateRatio: number;
  /** path p50 ÷ floor p50 (1 is as fast as the floor). */
  latencyRatio: number;
}

/** An operation; `i` is unique per side over the whole comparison (ids built from it never repeat). */
export type Op = (i: number) => Promise<unknown>;

export interface CompareOptions {
  name: string;
  floorName: string;
  path: Op;
  floor: Op;
  /** Operations per side, spread over the rounds. */
  ops: number;
  rounds?: number;
  concurrency?: number;
  /** Counts the storage requests of the Table clients both sides use. */
  counter?: RequestCounter;
  progress?: Progress;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

interface Side {
  latencies: number[];
  rates: number[];
  requests: number;
  queries: number;
  next: number;
}

const emptySide = (): Side => ({ latencies: [], rates: [], requests: 0, queries: 0, next: 0 });

/** Runs `count` operations of one side, `concurrency` at a time. */
async function round(
  side: Side,
  op: Op,
  count: number,
  concurrency: number,
  options: Pick<CompareOptions, 'counter' | 'progress'>,
) {
  let left = count;
  const started = performance.now();
  options.counter?.reset();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (left > 0) {
        left--;
        const i = side.next++;
        const t = performance.now();
        await op(i);
        side.latencies.push(performance.now() - t);
        options.progress?.tick();
      }
    }),
  );
  side.rates.push(count / ((performance.now() - started) / 1000));
  side.requests += options.counter?.count() ?? 0;
  side.queries += options.counter?.queries() ?? 0;
}

function figuresOf(side: Side, counted: boolean): Figures {
  const sorted = [...side.latencies].sort((a, b) => a - b);
  const ops = sorted.length;
  return {
    ops,
    perSecond: median(side.rates),
    p50: median(sorted),
    p95: percentile(sorted, 95),
    max: sorted[ops - 1],
    ...(counted ? { requestsPerOp: side.requests / ops, queriesPerOp: side.queries / ops } : {}),
  };
}

/**
 * The path and its floor in interleaved rounds (A B, then B A, …), so that whatever the machine does meanwhile
 * weighs on both alike; medians of the rounds' rates and of every latency.
 */
export async function compare(options: CompareOptions): Promise<Comparison> {
  const rounds = Math.max(1, Math.min(options.rounds ?? 6, options.ops));
  const concurrency = options.concurrency ?? 1;
  const path = emptySide();
  const floor = emptySide();
  for (let r = 0; r < rounds; r++) {
    const count = Math.floor(options.ops / rounds) + (r < options.ops % rounds ? 1 : 0);
    const order: Array<[Side, Op]> = [
      [path, options.path],
      [floor, options.floor],
    ];
    if (r % 2) order.reverse();
    for (const [side, op] of order) await round(side, op, count, concurrency, options);
  }
  const counted = options.counter !== undefined;
  const p = figuresOf(path, counted);
  const f = figuresOf(floor, counted);
  return {
    name: options.name,
    floorName: options.floorName,
    concurrency,
    path: p,
    floor: f,
    rateRatio: p.perSecond / f.perSecond,
    latencyRatio: p.p50 / f.p50,
  };
}

/** Figures of latencies measured elsewhere (ms), at a rate measured elsewhere (per second). */
export function latencyFigures(latencies: number[], perSecond: number): Figures {
  return figuresOf({ ...emptySide(), latencies, rates: [perSecond] }, false);
}

/** `count` operations, `concurrency` at a time, not compared with anything (warm-ups, end-to-end rows). */
export async function timed(count: number, concurrency: number, op: Op, progress?: Progress): Promise<Figures> {
  const side = emptySide();
  await round(side, op, count, concurrency, { progress });
  return figuresOf(side, false);
}

/** `threads` sequences at once, each `perThread` steps in order; `one` resolves with when its effect was seen. */
export async function timedThreads(
  threads: number,
  perThread: number,
  one: (thread: number, step: number) => Promise<number>,
  progress?: Progress,
): Promise<Figures> {
  const latencies: number[] = [];
  const started = performance.now();
  let ended = started;
  await Promise.all(
    Array.from({ length: threads }, async (_, thread) => {
      for (let step = 0; step < perThread; step++) {
        const t = performance.now();
        const seenAt = await one(thread, step);
        latencies.push(seenAt - t);
        ended = Math.max(ended, seenAt);
        progress?.tick();
      }
    }),
  );
  return figuresOf({ ...emptySide(), latencies, rates: [latencies.length / ((ended - started) / 1000)] }, false);
}
