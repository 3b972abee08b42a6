import { silentLogger } from '../../shared/log';
import { isLocatorRow } from '../../shared/storage/conversationIndex';
import { customerNumber, inboundSms } from '../callbacks';
import type { BenchApp } from '../context';
import { indexPage, pointReadAndBatch } from '../floors';
import { compare, type Comparison } from '../measure';
import type { Progress } from '../progress';
import { captureThread, seedMessages, seedThreads, type ThreadTemplate } from '../seed';
import { eventsAhead, freshRef, openConversations, routeJoin, routeSms, threadOf } from './route';

/** Pool 0 of an isolated store: the template thread is customer 0, copies from 1, the long conversation 99,999. */
const POOL = 0;
const LONG = 99_999;

/**
 * The figures that depend on how much a table holds, on tables of their own (startIsolatedStore): the router and
 * the listing at growing numbers of threads (each an open conversation with one message, copied from a real one),
 * and the router in a conversation of many messages.
 */
export class TableGrowth {
  private template?: ThreadTemplate;
  /** Threads in the table (the template and its copies). */
  threads = 0;

  constructor(
    private readonly bench: BenchApp,
    private readonly progress?: Progress,
  ) {}

  /** Grows the table to `total` threads, each with an open conversation of one message. */
  async growTo(total: number): Promise<void> {
    if (!this.template) {
      const customer = customerNumber(POOL, 0);
      await openConversations(this.bench, [customer]);
      const captured = await captureThread(this.bench.tables, threadOf(this.bench, customer), customer);
      // Without the index's locator rows: no path measured here reads them, and Azurite scans the whole table for
      // every insert (Table Storage does not), so 10,000 more of them made the seeding quadratic (110 s).
      const isLocator = (r: ThreadTemplate['rows'][number]) =>
        r.table === 'conversationIndex' && isLocatorRow(String(r.row.rowKey));
      this.template = { ...captured, rows: captured.rows.filter((r) => !isLocator(r)) };
      this.threads = 1;
    }
    const copies = Array.from({ length: Math.max(0, total - this.threads) }, (_, k) => {
      const customer = customerNumber(POOL, this.threads + k);
      return { customer, threadId: threadOf(this.bench, customer) };
    });
    await seedThreads(this.bench.tables, this.template, copies, this.progress);
    this.threads += copies.length;
  }

  /** Joins, one at a time, into conversations of one message (a different copied thread each). */
  async routeAt(ops: number): Promise<Comparison> {
    const used = Math.min(ops, this.threads);
    const customers = Array.from({ length: used }, (_, k) => customerNumber(POOL, this.threads - used + k));
    // As many partitions as the joins go to: at 1 thread the path's partition grows by a message and a marker per
    // join, and Azurite scans a partition on every read and write by key (floors.ts), so the floor's grows alike.
    const floor = pointReadAndBatch(this.bench.tables, used);
    await floor.prepare();
    const events = eventsAhead(this.bench, ops, (i) =>
      inboundSms(customers[i % used], `join at ${this.threads} ${i}`, freshRef()),
    );
    return compare({
      name: `route at ${this.threads.toLocaleString('en-US')} thread${this.threads === 1 ? '' : 's'}`,
      floorName: 'point read + batch',
      path: (i) => routeSms(this.bench, events[i], false),
      floor: floor.op,
      ops,
      counter: this.bench.counter,
      progress: this.progress,
    });
  }

  /** `GET /api/conversations?limit=…` (the service, as the function calls it) against one index page query. */
  async listingAt(limit: number, ops: number): Promise<Comparison> {
    const list = async () => {
      const outcome = await this.bench.app.conversations.list({ limit }, silentLogger);
      if (!outcome.ok) throw new Error(`listing: ${outcome.error.code}`);
      if (outcome.value.items.length !== Math.min(limit, this.threads))
        throw new Error(`listing of ${limit} returned ${outcome.value.items.length} of ${this.threads} conversations`);
    };
    return compare({
      name: `listing limit=${limit}, ${this.threads.toLocaleString('en-US')} conversations`,
      floorName: 'one index page query',
      path: list,
      floor: indexPage(this.bench.tables, limit),
      ops,
      counter: this.bench.counter,
      progress: this.progress,
    });
  }

  /** Joins, one at a time, into one conversation that holds `messages` messages. */
  async routeInConversationOf(messages: number, ops: number): Promise<Comparison> {
    const customer = customerNumber(POOL, LONG);
    await openConversations(this.bench, [customer]);
    await seedMessages(this.bench.stores.threads, threadOf(this.bench, customer), messages, this.progress);
    const comparison = await routeJoin(this.bench, {
      ops,
      concurrency: 1,
      customers: [customer],
      label: `route in a conversation of ${messages.toLocaleString('en-US')} messages`,
      // Its partition holds every message and marker: the floor works in it too (floors.ts, Azurite's scan).
      floorInThreadPartitions: true,
      progress: this.progress,
    });
    return comparison;
  }
}
