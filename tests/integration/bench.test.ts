jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

/**
 * `npm run bench` on tiny sizes, so that the bench cannot rot: every phase runs its real code paths (the channel,
 * the isolated tables, the bridge), every figure comes out a well-formed number, and the storage requests the
 * bench counts are what the code does (the floors exactly; the paths within the budgets the tests hold the code
 * to, and no hot-path query). No timing is asserted.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type BenchResults, runBench } from '../../bench/bench';
import type { Comparison, Figures } from '../../bench/measure';
import { printResults, writeResults } from '../../bench/report';
import { type BenchSizes, benchSizes, reducedSizes } from '../../bench/sizes';

const tiny: BenchSizes = {
  scale: 0.001,
  routeOps: 2,
  ingestOps: 2,
  sendOps: 2,
  listingOps: 1,
  concurrency: 2,
  threads: [1, 4, 8],
  messages: 50,
  listingLimits: [3],
  localEvents: 3,
  bridge: { threads: 1, messages: 1, replies: 1 },
  webhooks: { threads: 2, messages: 2 },
};

const wellFormed = (f: Figures, ops: number) => {
  expect(f.ops).toBe(ops);
  for (const x of [f.perSecond, f.p50, f.p95, f.max]) {
    expect(Number.isFinite(x)).toBe(true);
    expect(x).toBeGreaterThan(0);
  }
  expect(f.p50).toBeLessThanOrEqual(f.max);
};

describe('npm run bench, on tiny sizes', () => {
  let results: BenchResults;
  const named = (prefix: string) => results.comparisons.filter((c) => c.name.startsWith(prefix));
  const requests = (c: Comparison) => c.path.requestsPerOp!;

  beforeAll(async () => {
    results = await runBench(tiny);
  }, 120_000);

  it('measures every path beside its floor, with well-formed figures', () => {
    const ops = (c: Comparison) =>
      c.name.startsWith('ingest')
        ? tiny.ingestOps
        : c.name.startsWith('send')
          ? tiny.sendOps
          : c.name.startsWith('listing')
            ? tiny.listingOps
            : tiny.routeOps;
    expect(results.comparisons.length).toBe(1 + 12 + 4 + 3 + 2 + 1);
    for (const c of results.comparisons) {
      wellFormed(c.path, ops(c));
      wellFormed(c.floor, ops(c));
      expect(Number.isFinite(c.rateRatio) && Number.isFinite(c.latencyRatio)).toBe(true);
    }
    for (const e of results.endToEnd) expect(e.figures.ops).toBeGreaterThan(0);
    expect(results.localRouting.routedPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(results.localRouting.ratio)).toBe(true);
    expect(results.rss.map((r) => r.phase)).toContain('bridge');
    expect(results.rss.map((r) => r.phase)).toContain('webhooks');
    expect(results.rss.every((r) => r.mib > 0)).toBe(true);
    expect(results.cpus).toBeGreaterThan(0);
    expect(results.node).toBe(process.version);
  });

  it('measures the webhook deliveries: every message.received and every conversation started, once each', () => {
    const w = results.webhooks;
    const sms = tiny.webhooks.threads * tiny.webhooks.messages;
    expect(w.byType['message.received']).toBe(sms);
    expect(w.byType['conversation.started']).toBe(tiny.webhooks.threads);
    expect(w.deliveries).toBe(Object.values(w.byType).reduce((a, b) => a + b, 0));
    expect(w.received.ops).toBe(sms);
    expect(w.all.ops).toBe(w.deliveries);
    expect(w.smsToAnswered.ops).toBe(sms);
    wellFormed(w.smsToAnswered, sms);
    // Milliseconds of Date.now(): a delivery answered within the millisecond of its commit is a 0.
    for (const f of [w.received, w.all])
      for (const x of [f.p50, f.p95, f.max]) expect(Number.isFinite(x) && x >= 0).toBe(true);
    expect(w.perSecond).toBeGreaterThan(0);
  });

  it('counts the floors exactly: a point read + a batch is 2 requests (3 with the index put or the reference read), an index page 1, the send floor 1 batch', () => {
    const three = ['point read + batch + index put', 'reference read + point read + batch'];
    for (const c of named('route')) expect(c.floor.requestsPerOp).toBe(three.includes(c.floorName) ? 3 : 2);
    expect(named('route: message starts').map((c) => c.floor.requestsPerOp)).toEqual([2, 3, 2, 3]);
    expect(named('route: delivery report').map((c) => c.floor.requestsPerOp)).toEqual([2, 3, 2, 2, 3, 2]);
    for (const c of named('listing')) expect(c.floor.requestsPerOp).toBe(1);
    for (const c of named('send')) expect(c.floor.requestsPerOp).toBe(1);
    expect(named('ingest')[0].floor.requestsPerOp).toBe(0);
  });

  it('counts what the paths do: within the storage budgets, and no hot-path query', () => {
    expect(requests(named('ingest')[0])).toBe(0);
    for (const c of named('route: message joins')) expect(requests(c)).toBe(2);
    for (const c of named('route at')) expect(requests(c)).toBe(2);
    for (const c of named('route in a conversation')) expect(requests(c)).toBe(2);
    for (const c of named('route: message starts')) expect(requests(c)).toBeLessThanOrEqual(3);
    // By its reference: the reference, the message, a batch; echoing our external_id, the message and a batch.
    for (const c of named('route: delivery report')) expect(requests(c)).toBe(c.name.includes('echoing') ? 2 : 3);
    for (const c of [...named('route'), ...named('send')]) expect(c.path.queriesPerOp).toBe(0);
    for (const c of named('send')) {
      expect(requests(c)).toBeGreaterThanOrEqual(2);
      expect(requests(c)).toBeLessThanOrEqual(7);
    }
    // A page of 3 of 4 or 8 conversations, from the index alone: one query per state, nothing else.
    for (const c of named('listing')) {
      expect(c.path.queriesPerOp).toBe(4);
      expect(requests(c)).toBe(4);
    }
    expect(results.keyVault.sends).toBeGreaterThan(0);
    expect(results.keyVault.readsPer1000Sends).toBeGreaterThanOrEqual(0);
  });

  it('prints a row per comparison and writes every figure to results.json', () => {
    const lines: string[] = [];
    printResults(results, (line) => lines.push(line));
    const text = lines.join('\n');
    for (const c of results.comparisons) expect(text).toContain(c.name);
    expect(text).toContain(
      `webhooks: SMS → endpoint answered (event committed → answer): ${results.webhooks.deliveries} deliveries`,
    );
    expect(text).toContain('sizes reduced by BENCH_SCALE');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'bench-')), 'results.json');
    writeResults(results, file);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written.comparisons).toHaveLength(results.comparisons.length);
    expect(written.cpus).toBe(results.cpus);
    expect(written.webhooks.received.ops).toBe(results.webhooks.received.ops);
    expect(typeof written.date).toBe('string');
  });

  it('scales the sizes and says which were reduced', () => {
    expect(reducedSizes(benchSizes(1))).toEqual([]);
    expect(reducedSizes(benchSizes(0.1))).toEqual([
      '1,000 threads → 100',
      '10,000 threads → 1,000',
      '5,000 messages → 500',
    ]);
  });
});
