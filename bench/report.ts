import { writeFileSync } from 'node:fs';

import type { BenchResults } from './bench';
import type { Comparison, Figures } from './measure';

/** The issue's targets (13, Build): a ratio of the path to its floor, by latency (≤) or by rate (≥). */
interface Target {
  kind: 'latency' | 'rate';
  bound: number;
}

function targetOf(name: string): Target | undefined {
  if (name.startsWith('send')) return { kind: 'latency', bound: 2.5 };
  if (name.startsWith('listing')) return { kind: 'latency', bound: 1.5 };
  if (name.startsWith('ingest')) return { kind: 'latency', bound: 1.3 };
  if (name.startsWith('route')) return { kind: 'rate', bound: 0.85 };
  return undefined;
}

/** The local channel's target: routing keeps ≥ 0.8 of the callback rate. */
const LOCAL_ROUTING_TARGET = 0.8;

function meets(c: Comparison): boolean | undefined {
  const target = targetOf(c.name);
  if (!target) return undefined;
  return target.kind === 'latency' ? c.latencyRatio <= target.bound : c.rateRatio >= target.bound;
}

const num = (x: number | undefined, digits = 1) => (x === undefined ? '–' : x.toFixed(digits));
const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'ok' : 'MISSED');

function table(rows: string[][]): string {
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  return rows
    .map((r) => r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))).join('  '))
    .join('\n');
}

const targetText = (t: Target | undefined) =>
  t ? `${t.kind === 'latency' ? 'p50 ×' : 'rate ×'}${t.kind === 'latency' ? '≤' : '≥'}${t.bound}` : '';

function comparisonTable(comparisons: Comparison[]): string {
  const rows = [
    [
      'path (c = in flight)',
      'ops/s',
      'p50 ms',
      'floor',
      'ops/s',
      'p50 ms',
      'rate ×',
      'p50 ×',
      'req/op',
      'queries/op',
      'floor req/op',
      'target',
      '',
    ],
  ];
  for (const c of comparisons)
    rows.push([
      `${c.name}, c=${c.concurrency}`,
      num(c.path.perSecond, 0),
      num(c.path.p50, 2),
      c.floorName,
      num(c.floor.perSecond, 0),
      num(c.floor.p50, 2),
      num(c.rateRatio, 2),
      num(c.latencyRatio, 2),
      num(c.path.requestsPerOp, 2),
      num(c.path.queriesPerOp, 2),
      num(c.floor.requestsPerOp, 2),
      targetText(targetOf(c.name)),
      mark(meets(c)),
    ]);
  return table(rows);
}

/** What the floors are where they are not the plain point read + batch (bench/floors.ts says why). */
const FLOOR_NOTES = [
  'A start is printed against the join floor and against its own, which adds the index put after the batch (it',
  "cannot overlap the batch: ports/conversationIndex.ts). The long conversation's floor works in the thread's own",
  'partition: Azurite scans a partition for every read and write by key (Table Storage does not), so a floor in a',
  "small partition would charge Azurite's scan to the path. A delivery report found by its reference is printed",
  'against the join floor and against its own, which reads the reference first; one echoing our external_id',
  '(UNCONFIRMED that Telesign does: docs/telesign-protocol.md) skips that read. The route rows route events parsed',
  "before the clock starts: parsing a callback is the ingest's cost. A send is printed while the channel routes",
  "the sandbox's delivery reports of the path's and the floor's messages in this process, and to numbers the",
  'sandbox never reports on, the path and its floor alone.',
];

const figureRow = (name: string, f: Figures) => [
  name,
  num(f.perSecond, 0),
  num(f.p50, 1),
  num(f.p95, 1),
  num(f.max, 1),
];

export function printResults(r: BenchResults, out: (line: string) => void = console.log): void {
  out(
    `bench: Node ${r.node}, ${r.cpus} CPU (${r.cpuModel}), ${r.date}, BENCH_SCALE=${r.sizes.scale}, ${r.seconds.toFixed(0)} s`,
  );
  if (r.reduced.length) out(`sizes reduced by BENCH_SCALE: ${r.reduced.join(', ')}`);
  out('');
  out('Each path beside its floor, same run, interleaved rounds, medians; storage requests counted per operation.');
  out(comparisonTable(r.comparisons));
  for (const line of FLOOR_NOTES) out(line);
  out('');
  const l = r.localRouting;
  out(
    `local routing, callback → stored: ${l.routedPerSecond.toFixed(0)} events/s while callbacks arrived at ${l.callbackPerSecond.toFixed(0)}/s (${l.concurrency} in flight, ${l.events} events): ×${l.ratio.toFixed(2)}, target ≥ ${LOCAL_ROUTING_TARGET} ${mark(l.ratio >= LOCAL_ROUTING_TARGET)}`,
  );
  out(`Key Vault reads per 1,000 sends: ${r.keyVault.readsPer1000Sends.toFixed(1)} (${r.keyVault.sends} sends)`);
  out('');
  out('End to end:');
  out(table([['path', 'ops/s', 'p50 ms', 'p95 ms', 'max ms'], ...r.endToEnd.map((e) => figureRow(e.name, e.figures))]));
  out(
    `bridge: ${r.bridge.threads} threads at once, each ${r.bridge.messages} SMS in order, then ${r.bridge.replies} agent replies in order`,
  );
  out('');
  const w = r.webhooks;
  const types = Object.entries(w.byType)
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
  out(
    `webhooks: SMS → endpoint answered (event committed → answer): ${w.deliveries} deliveries (${types}), ${w.perSecond.toFixed(0)}/s`,
  );
  out(
    `  message.received: p50 ${num(w.received.p50)} ms, p95 ${num(w.received.p95)} ms, max ${num(w.received.max)} ms; every delivery: p50 ${num(w.all.p50)} ms, p95 ${num(w.all.p95)} ms, max ${num(w.all.max)} ms`,
  );
  out(
    `  SMS callback POSTed → its message.received answered: p50 ${num(w.smsToAnswered.p50)} ms, p95 ${num(w.smsToAnswered.p95)} ms; ${w.threads} threads at once, each ${w.messages} SMS in order`,
  );
  out('');
  out(`RSS after each phase (MiB): ${r.rss.map((x) => `${x.phase} ${x.mib.toFixed(0)}`).join(', ')}`);
}

export function writeResults(r: BenchResults, file: string): void {
  const withTargets = {
    ...r,
    comparisons: r.comparisons.map((c) => ({ ...c, target: targetOf(c.name), met: meets(c) })),
    localRouting: {
      ...r.localRouting,
      target: LOCAL_ROUTING_TARGET,
      met: r.localRouting.ratio >= LOCAL_ROUTING_TARGET,
    },
  };
  writeFileSync(file, `${JSON.stringify(withTargets, null, 2)}\n`);
}
