import { callbackPoster, customerNumber, inboundSms, referenceOf } from '../callbacks';
import type { BenchChannel } from '../context';
import { type Figures, timed } from '../measure';
import type { Progress } from '../progress';
import { waitUntil } from '../waitUntil';
import { threadOf } from './route';

export interface LocalRoutingFigures {
  /** Signed callbacks POSTed to the local channel until each is queued, one at a time and `concurrency` at once. */
  callbackSequential: Figures;
  callbackParallel: Figures;
  concurrency: number;
  events: number;
  /** Events stored per second, from the first parallel callback until every one is a stored message. */
  routedPerSecond: number;
  /** The arrival rate: the parallel callbacks per second. */
  callbackPerSecond: number;
  /** routed ÷ callback rate (the channel keeps up at 1). */
  ratio: number;
}

const POOL = 0;
const FIRST = 10_000;
const CUSTOMERS = 50;

/** End to end on the local channel: callbacks → embedded broker → session consumer → router → stored. */
export async function localRoutingPhase(
  ctx: BenchChannel,
  options: { events: number; concurrency: number; progress?: Progress },
): Promise<LocalRoutingFigures> {
  const post = callbackPoster(ctx.channel.http.url);
  const customer = (i: number) => customerNumber(POOL, FIRST + (i % CUSTOMERS));
  let seq = 0;
  const next = (i: number) => inboundSms(customer(i), `local ${i}`, referenceOf('3C', ++seq));
  const threads = Array.from({ length: CUSTOMERS }, (_, c) => threadOf(ctx.bench, customer(c)));
  const stored = async () => {
    let total = 0;
    for (const threadId of threads)
      total += ((await ctx.bench.stores.threads.read(threadId)).thread?.nextMessage ?? 1) - 1;
    return total;
  };
  await post(next(0)); // warm: connections, key cache
  const sequential = await timed(options.events, 1, (i) => post(next(i)), options.progress);
  await waitUntil(async () => (await stored()) >= 1 + options.events, {
    what: 'local routing, sequential events stored',
  });

  const expected = 1 + 2 * options.events;
  const started = performance.now();
  const parallel = await timed(options.events, options.concurrency, (i) => post(next(i)), options.progress);
  await waitUntil(async () => (await stored()) >= expected, { what: 'local routing, parallel events stored' });
  const routedPerSecond = options.events / ((performance.now() - started) / 1000);
  return {
    callbackSequential: sequential,
    callbackParallel: parallel,
    concurrency: options.concurrency,
    events: options.events,
    routedPerSecond,
    callbackPerSecond: parallel.perSecond,
    ratio: routedPerSecond / parallel.perSecond,
  };
}
