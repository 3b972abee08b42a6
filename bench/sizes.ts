/**
 * How much the bench does. `BENCH_SCALE` (default 1) scales every count; the table sizes the issue names (1,000 and
 * 10,000 threads, a conversation of 5,000 messages) are reduced with it, and the output says so.
 */
export interface BenchSizes {
  scale: number;
  /** Operations per side of each route comparison, and of ingest, send, listing. */
  routeOps: number;
  ingestOps: number;
  sendOps: number;
  listingOps: number;
  /** Concurrency of the "in flight" comparisons. */
  concurrency: number;
  /** Table sizes: threads for route and listing (the first is routed only), messages of the long conversation. */
  threads: number[];
  messages: number;
  listingLimits: number[];
  localEvents: number;
  bridge: { threads: number; messages: number; replies: number };
  /** Threads at once and SMS per thread of the webhook phase (each SMS after the previous one's delivery). */
  webhooks: { threads: number; messages: number };
}

const FULL = { threads: [1, 1_000, 10_000], messages: 5_000 };

export function benchSizes(scale = Number(process.env.BENCH_SCALE ?? 1)): BenchSizes {
  if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number, not ${process.env.BENCH_SCALE}`);
  const s = (n: number, min: number) => Math.max(min, Math.round(n * scale));
  return {
    scale,
    routeOps: s(200, 4),
    ingestOps: s(400, 4),
    sendOps: s(120, 4),
    listingOps: s(30, 2),
    concurrency: 8,
    threads: FULL.threads.map((n, k) => (k === 0 ? n : s(n, 5 * k))),
    messages: s(FULL.messages, 50),
    listingLimits: [25, 100],
    localEvents: s(400, 8),
    bridge: { threads: s(40, 2), messages: Math.min(5, s(5, 2)), replies: Math.min(5, s(5, 2)) },
    webhooks: { threads: s(8, 2), messages: Math.min(10, s(10, 2)) },
  };
}

/** The table sizes that are below the issue's, as "10,000 threads → 1,000". */
export function reducedSizes(sizes: BenchSizes): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  const out: string[] = [];
  FULL.threads.forEach((full, k) => {
    if (sizes.threads[k] < full) out.push(`${n(full)} threads → ${n(sizes.threads[k])}`);
  });
  if (sizes.messages < FULL.messages) out.push(`${n(FULL.messages)} messages → ${n(sizes.messages)}`);
  return out;
}
