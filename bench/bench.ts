import { cpus } from 'node:os';

import { type BenchChannel, startBenchChannel, startIsolatedStore } from './context';
import type { Comparison, Figures } from './measure';
import { type BridgeFigures, bridgePhase } from './phases/bridge';
import { ingestPhase } from './phases/ingest';
import { type LocalRoutingFigures, localRoutingPhase } from './phases/localRouting';
import { routeJoin, routeReport, routeStart } from './phases/route';
import { sendPhase } from './phases/send';
import { TableGrowth } from './phases/tableGrowth';
import { type WebhookFigures, webhooksPhase } from './phases/webhooks';
import { noProgress, type Progress } from './progress';
import { type BenchSizes, reducedSizes } from './sizes';

/** Everything a run measured: what bench/results.json holds. */
export interface BenchResults {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  sizes: BenchSizes;
  /** Sizes below the (BENCH_SCALE < 1). */
  reduced: string[];
  comparisons: Comparison[];
  endToEnd: Array<{ name: string; figures: Figures }>;
  localRouting: LocalRoutingFigures;
  bridge: BridgeFigures;
  /** Outbound webhooks: a change committed until the endpoint answered its delivery. */
  webhooks: WebhookFigures;
  keyVault: { readsPer1000Sends: number; sends: number };
  /** Resident set size after each phase, MiB (one process: bench, host, Azurite, broker, sandboxes). */
  rss: Array<{ phase: string; mib: number }>;
  seconds: number;
}

/** Progress units a run will do, for the bar's 100 %. */
export function plannedUnits(sizes: BenchSizes): number {
  const side = 2;
  const route = 12 * sizes.routeOps * side;
  const growth =
    sizes.threads[sizes.threads.length - 1] +
    sizes.messages +
    (sizes.threads.length + 1) * sizes.routeOps * side +
    (sizes.threads.length - 1) * sizes.listingLimits.length * sizes.listingOps * side;
  return (
    sizes.ingestOps * side +
    route +
    growth +
    4 * sizes.sendOps * side +
    2 * sizes.localEvents +
    sizes.bridge.threads * (sizes.bridge.messages + sizes.bridge.replies) +
    sizes.webhooks.threads * sizes.webhooks.messages
  );
}

const rssMiB = () => Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;

/** Runs every phase in turn; the caller prints (report.ts). */
export async function runBench(sizes: BenchSizes, progress: Progress = noProgress): Promise<BenchResults> {
  const started = performance.now();
  const comparisons: Comparison[] = [];
  const rss: BenchResults['rss'] = [];
  const after = (phase: string) => rss.push({ phase, mib: rssMiB() });
  const c = sizes.concurrency;

  const ctx: BenchChannel = await startBenchChannel();
  let localRouting: LocalRoutingFigures;
  let keyVault: BenchResults['keyVault'];
  try {
    after('start');
    progress.phase('ingest vs bare sendMessages');
    comparisons.push(await ingestPhase(ctx, sizes.ingestOps, progress));
    after('ingest');

    progress.phase('route vs point read + batch');
    for (const concurrency of [1, c]) {
      comparisons.push(
        await routeJoin(ctx.bench, { ops: sizes.routeOps, concurrency, firstCustomer: concurrency * 100, progress }),
      );
      comparisons.push(await routeStart(ctx.bench, { ops: sizes.routeOps, concurrency, progress }));
      comparisons.push(await routeStart(ctx.bench, { ops: sizes.routeOps, concurrency, progress, indexFloor: true }));
      for (const way of ['reference', 'reference, own floor', 'echo'] as const)
        comparisons.push(await routeReport(ctx.bench, { ops: sizes.routeOps, concurrency, progress, way }));
    }
    after('route');

    progress.phase('send vs signed POST + batch');
    const send = await sendPhase(ctx, { ops: sizes.sendOps, concurrency: [1, c], progress });
    comparisons.push(...send.comparisons);
    keyVault = { readsPer1000Sends: send.keyVaultReadsPer1000Sends, sends: send.sends };
    after('send');

    progress.phase('local routing, callback → stored');
    localRouting = await localRoutingPhase(ctx, { events: sizes.localEvents, concurrency: c, progress });
    after('local routing');
  } finally {
    await ctx.stop();
  }

  const iso = await startIsolatedStore(ctx.channel.env);
  try {
    const growth = new TableGrowth(iso.bench, progress);
    for (const threads of sizes.threads) {
      progress.phase(`seeding to ${threads.toLocaleString('en-US')} threads`);
      await growth.growTo(threads);
      progress.phase(`route and listing at ${threads.toLocaleString('en-US')} thread(s)`);
      comparisons.push(await growth.routeAt(sizes.routeOps));
      if (threads > 1)
        for (const limit of sizes.listingLimits) comparisons.push(await growth.listingAt(limit, sizes.listingOps));
      after(`${threads} threads`);
    }
    progress.phase(`route in a conversation of ${sizes.messages.toLocaleString('en-US')} messages`);
    comparisons.push(await growth.routeInConversationOf(sizes.messages, sizes.routeOps));
    after(`${sizes.messages} messages`);
  } finally {
    await iso.stop();
  }

  progress.phase('bridge: SMS → Dynamics, reply → Telesign');
  const bridge = await bridgePhase({ ...sizes.bridge, progress });
  after('bridge');

  progress.phase('webhooks: event committed → endpoint answered');
  const webhooks = await webhooksPhase({ ...sizes.webhooks, progress });
  after('webhooks');

  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    sizes,
    reduced: reducedSizes(sizes),
    comparisons,
    endToEnd: [
      { name: 'callback, sequential', figures: localRouting.callbackSequential },
      { name: `callback, ${c} in flight`, figures: localRouting.callbackParallel },
      { name: 'SMS callback → in Dynamics', figures: bridge.toDynamics },
      { name: 'agent reply → accepted by Telesign', figures: bridge.toTelesign },
    ],
    localRouting,
    bridge,
    webhooks,
    keyVault,
    rss,
    seconds: (performance.now() - started) / 1000,
  };
}
