import type { InboundEvent } from '../../shared/domain/inboundEvent';
import { threadIdOf } from '../../shared/domain/threadId';
import { silentLogger } from '../../shared/log';
import { parseSendRequest } from '../../shared/services/sendRequest';
import { customerNumber, deliveryReport, eventOf, inboundSms, referenceOf } from '../callbacks';
import type { BenchApp } from '../context';
import { pointReadAndBatch, pointReadBatchAndIndexPut, referenceReadPointReadAndBatch } from '../floors';
import { compare, type Comparison } from '../measure';
import type { Progress } from '../progress';

/** Customer pools (callbacks.ts) and reference tags of the route phases, apart from every other phase's. */
const JOIN_POOL = 1;
const START_POOL = 2;
const REPORT_POOL = 3;

export interface RouteOptions {
  ops: number;
  concurrency: number;
  progress?: Progress;
  /** Distinct threads the joins go to, in turn; at least the concurrency (no two in flight on one thread). */
  threads?: number;
  /** First customer number of the pool (so that two calls on one store use distinct threads). */
  firstCustomer?: number;
  /** The customers whose threads the joins go to, in turn (instead of `threads` of the join pool). */
  customers?: string[];
  /** Names the comparison (its size). */
  label?: string;
  /**
   * The floor's rows go in the joined threads' own partitions (floors.ts): for threads whose partition holds many
   * rows, which Azurite scans on every read and write by key.
   */
  floorInThreadPartitions?: boolean;
}

/**
 * The events a path routes, one per operation, parsed before the clock starts: the router's input is the event the
 * ingest service parsed and queued, so parsing a callback body is the ingest's cost (its own row), not the route's.
 */
export const eventsAhead = (bench: BenchApp, ops: number, body: (i: number) => string): InboundEvent[] =>
  Array.from({ length: ops }, (_, i) => eventOf(body(i), bench.account));

/** Routes an inbound SMS through the app; throws unless it was stored as asked (a join or a start). */
export async function routeSms(bench: BenchApp, event: InboundEvent, starts: boolean) {
  const result = await bench.app.route(event, silentLogger);
  if (result.kind !== 'message' || result.startedConversation !== starts)
    throw new Error(
      `route of ${event.eventId}: ${JSON.stringify(result)} where a ${starts ? 'start' : 'join'} was expected`,
    );
}

let refs = 0;
/** A reference id never used before in this process (tag `2B`). */
export const freshRef = () => referenceOf('2B', ++refs);

export const threadOf = (bench: BenchApp, customer: string) =>
  threadIdOf(bench.account.customerId, bench.account.defaultSupportNumber, customer);

/** Opens (or joins) a conversation for each of `customers`: the threads a join goes to. Their ids, in order. */
export async function openConversations(bench: BenchApp, customers: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const customer of customers) {
    const result = await bench.app.route(
      eventOf(inboundSms(customer, 'hello', freshRef()), bench.account),
      silentLogger,
    );
    if (result.kind !== 'message') throw new Error(`could not open a conversation for ${customer}`);
    ids.push(result.conversationId);
  }
  return ids;
}

/** A message that joins an open conversation, against a point read + batch. */
export async function routeJoin(bench: BenchApp, options: RouteOptions): Promise<Comparison> {
  const first = options.firstCustomer ?? 0;
  const customers =
    options.customers ??
    Array.from({ length: options.threads ?? Math.max(32, options.concurrency * 2) }, (_, k) =>
      customerNumber(JOIN_POOL, first + k),
    );
  const threads = customers.length;
  await openConversations(bench, customers);
  const inPartitions = options.floorInThreadPartitions ? customers.map((c) => threadOf(bench, c)) : undefined;
  const floor = pointReadAndBatch(bench.tables, threads, inPartitions);
  await floor.prepare();
  const events = eventsAhead(bench, options.ops, (i) => inboundSms(customers[i % threads], `join ${i}`, freshRef()));
  return compare({
    name: options.label ?? 'route: message joins an open conversation',
    floorName: inPartitions ? "point read + batch in the thread's partition" : 'point read + batch',
    path: (i) => routeSms(bench, events[i], false),
    floor: floor.op,
    ops: options.ops,
    concurrency: options.concurrency,
    counter: bench.counter,
    progress: options.progress,
  });
}

let starts = 0;
/**
 * A message from a customer never seen (a new thread and conversation), against the join's floor (point read +
 * batch), and with `indexFloor` against the start's own: the same and the index entry's put after the batch, three
 * sequential requests (floors.ts says why the put cannot overlap the batch). Both rows are printed, so that the
 * request a start costs beyond a join stays in view.
 */
export async function routeStart(
  bench: BenchApp,
  options: RouteOptions & { indexFloor?: boolean },
): Promise<Comparison> {
  const floor = options.indexFloor ? pointReadBatchAndIndexPut(bench.tables, 32) : pointReadAndBatch(bench.tables, 32);
  await floor.prepare();
  const events = eventsAhead(bench, options.ops, () =>
    inboundSms(customerNumber(START_POOL, ++starts), 'a first message', freshRef()),
  );
  return compare({
    name: 'route: message starts a conversation',
    floorName: options.indexFloor ? 'point read + batch + index put' : 'point read + batch',
    path: (i) => routeSms(bench, events[i], true),
    floor: floor.op,
    ops: options.ops,
    concurrency: options.concurrency,
    counter: bench.counter,
    progress: options.progress,
  });
}

let reported = 0;

/** How a report finds its message, and what it is measured against. */
export type ReportWay = 'reference' | 'reference, own floor' | 'echo';

const REPORT_ROWS: Record<ReportWay, { name: string; floorName: string }> = {
  reference: { name: 'route: delivery report', floorName: 'point read + batch' },
  'reference, own floor': { name: 'route: delivery report', floorName: 'reference read + point read + batch' },
  echo: { name: 'route: delivery report echoing external_id', floorName: 'point read + batch' },
};

/**
 * A delivery report on a message we sent (sent beforehand through the app, so that its reference is known). Each
 * report is a later status of one of those messages. By its reference (Telesign's documented link, 3 requests:
 * the reference, the message, a batch) against the join's 2-request floor and against its own 3-request one; and
 * echoing our `external_id` (docs/telesign-protocol.md: UNCONFIRMED that Telesign does; 2 requests, the message
 * and a batch) against the 2-request floor.
 */
export async function routeReport(bench: BenchApp, options: RouteOptions & { way: ReportWay }): Promise<Comparison> {
  const threads = Math.max(16, options.concurrency * 2);
  const first = 1000 + reported;
  reported += threads;
  const customers = Array.from({ length: threads }, (_, k) => customerNumber(REPORT_POOL, first + k));
  const conversations = await openConversations(bench, customers);
  const sent: Array<{ referenceId: string; messageId: string }> = [];
  for (const conversationId of conversations) {
    const command = parseSendRequest({ conversationId, text: 'We are looking into it.' }, undefined);
    if (!command.ok) throw new Error(command.error.message);
    const outcome = await bench.app.send(command.value, silentLogger);
    if (!outcome.ok || !outcome.value.referenceId)
      throw new Error(`seeding a sent message: ${JSON.stringify(outcome)}`);
    sent.push({ referenceId: outcome.value.referenceId, messageId: outcome.value.messageId });
  }
  const base = Date.now();
  const floor =
    options.way === 'reference, own floor'
      ? referenceReadPointReadAndBatch(bench.tables, threads)
      : pointReadAndBatch(bench.tables, threads);
  await floor.prepare();
  const events = eventsAhead(bench, options.ops, (i) => {
    const message = sent[i % threads];
    const at = new Date(base + (i + 1) * 1000).toISOString();
    const echo = options.way === 'echo' ? message.messageId : undefined;
    return deliveryReport(message.referenceId, i % 2 ? 200 : 290, at, echo);
  });
  return compare({
    ...REPORT_ROWS[options.way],
    path: async (i) => {
      const result = await bench.app.route(events[i], silentLogger);
      if (result.kind !== 'report') throw new Error(`report ${i}: ${JSON.stringify(result)}`);
    },
    floor: floor.op,
    ops: options.ops,
    concurrency: options.concurrency,
    counter: bench.counter,
    progress: options.progress,
  });
}
