/**
 * `npm run bench`: the channel's hot paths measured on this machine, in one process, with the embedded parts
 * (Azurite, the broker, the Telesign sandbox) on loopback. Figures, not assertions: the tests assert behaviour.
 *
 *   callback   signed inbound SMS POSTed to /api/telesign/callback until each is queued (Telesign's wait)
 *   routing    from the first callback until every event is a stored message (queue → router → Table Storage)
 *   send       POST /api/messages until Telesign (the sandbox) accepted it and the status is recorded
 *
 * Those run with the Dynamics bridge off (DYNAMICS_MESSAGING_URL=off), as before the bridge existed, so that they
 * stay comparable with earlier runs. A second channel, with the bridge on and the Dynamics sandbox embedded, gives:
 *
 *   SMS → Dynamics   a signed inbound SMS POSTed to the callback until it is in its Dynamics sandbox conversation
 *                    (the first of a thread as the start message of the conversation it creates, later ones posted);
 *                    many threads at once, each in order
 *   reply → Telesign an agent's reply in the Dynamics sandbox (its webhook → dynamics-activities →
 *                    applyAgentActivity → send service) until Telesign (the sandbox) accepted the SMS; many
 *                    conversations at once, each in order
 *
 * Both sandboxes run in this process, so a look at their stores sees exactly what they hold at that instant; the
 * bench looks every millisecond (one look for all that wait), so an arrival is seen within about 1 ms of it.
 */
import { createHmac } from 'node:crypto';

import { type Channel, startChannel } from '../local/channel';
import { BRIDGE_OFF, localDefaults, SANDBOX_ACCOUNT } from '../local/localSettings';
import { threadIdOf } from '../shared/domain/threadId';
import { silentLogger } from '../shared/log';
import { createTableClient } from '../shared/storage/tableClients';
import { createThreadStore } from '../shared/storage/threadStore';

const COUNT = Number(process.env.BENCH_COUNT ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** Bridge figures: threads (one customer and one Dynamics conversation each), SMS per thread, agent replies per thread. */
const BRIDGE_THREADS = Number(process.env.BENCH_BRIDGE_THREADS ?? 40);
const BRIDGE_MESSAGES = Number(process.env.BENCH_BRIDGE_MESSAGES ?? 5);
const BRIDGE_REPLIES = Number(process.env.BENCH_BRIDGE_REPLIES ?? 5);
/** A message not seen by then fails the bench rather than hanging it. */
const ARRIVAL_TIMEOUT_MS = 30_000;

interface Figures {
  perSecond: number;
  p50: number;
  p95: number;
  max: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function figures(latencies: number[], seconds: number): Figures {
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    max: latencies[latencies.length - 1],
  };
}

async function timed(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await one(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return figures(latencies, (performance.now() - started) / 1000);
}

/**
 * `threads` sequences run at once, each doing `perThread` steps in order; `one` starts a step and resolves with the
 * performance.now() at which its effect was seen. Per second is over the whole run, first start to last arrival.
 */
async function timedThreads(
  threads: number,
  perThread: number,
  one: (thread: number, step: number) => Promise<number>,
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
      }
    }),
  );
  return figures(latencies, (ended - started) / 1000);
}

/**
 * Waits for things to show up in an in-process sandbox: one loop for every waiter, a look each millisecond while
 * any waits (`refresh` once per look, then `seen` for each waiter), resolving each with the time of the look that
 * saw it. The sandbox cannot change during a look (one thread), so that time is within a tick of the arrival.
 */
class ArrivalWatch<W> {
  private readonly waiting = new Set<{
    what: W;
    resolve: (at: number) => void;
    reject: (e: Error) => void;
    by: number;
  }>();
  private running = false;

  constructor(
    private readonly seen: (what: W) => boolean,
    private readonly describe: (what: W) => string,
    private readonly refresh: () => void = () => undefined,
  ) {}

  /** Resolves with performance.now() at the first look that saw it. Call before starting what makes it happen. */
  until(what: W): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.add({ what, resolve, reject, by: performance.now() + ARRIVAL_TIMEOUT_MS });
      if (!this.running) {
        this.running = true;
        void this.loop();
      }
    });
  }

  private async loop(): Promise<void> {
    while (this.waiting.size > 0) {
      await new Promise((r) => setTimeout(r, 1));
      const at = performance.now();
      try {
        this.refresh();
        for (const waiter of this.waiting) {
          if (this.seen(waiter.what)) {
            this.waiting.delete(waiter);
            waiter.resolve(at);
          } else if (at > waiter.by) {
            this.waiting.delete(waiter);
            waiter.reject(new Error(`not seen within ${ARRIVAL_TIMEOUT_MS} ms: ${this.describe(waiter.what)}`));
          }
        }
      } catch (error) {
        // A look that fails (something arrived wrong) fails every wait, and so the bench.
        for (const waiter of this.waiting) waiter.reject(error instanceof Error ? error : new Error(String(error)));
        this.waiting.clear();
      }
    }
    this.running = false;
  }
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const row = (name: string, r: Figures) =>
  `${name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(7)}/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms   max ${r.max.toFixed(1).padStart(7)} ms`;

const support = SANDBOX_ACCOUNT.supportNumber;

/** POSTs a body to the channel's Telesign callback, signed as Telesign signs it; throws unless answered 200. */
function callbackPoster(channel: Channel) {
  const callbackUrl = `${channel.http.url}/api/telesign/callback`;
  return async (body: string) => {
    const signature = createHmac('sha256', Buffer.from(SANDBOX_ACCOUNT.apiKey, 'base64')).update(body).digest('base64');
    const response = await fetch(callbackUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `TSA ${SANDBOX_ACCOUNT.customerId}:${signature}`,
        'x-ts-authorization': signature,
      },
      body,
    });
    if (response.status !== 200) throw new Error(`callback answered ${response.status}`);
    await response.arrayBuffer();
  };
}

/** An inbound SMS callback as Telesign sends it; `referenceId` must be unique (32 hex characters). */
const inboundSms = (phoneNumber: string, text: string, referenceId: string) =>
  JSON.stringify({
    status: { updated_on: new Date().toISOString(), code: 1500, description: 'Delivered to customer' },
    submit_timestamp: new Date().toISOString(),
    errors: [],
    user_response: { phone_number: phoneNumber, iso_country_code: 'US', sender_id: support, mo_message: text },
    sub_resource: 'mo_sms',
    reference_id: referenceId,
  });

/** The figures as earlier runs measured them: the bridge off. */
async function measureChannel() {
  const channel = await startChannel({
    env: { ...localDefaults, DYNAMICS_MESSAGING_URL: BRIDGE_OFF },
    logger: silentLogger,
    ports: { http: 0, sandbox: 0, broker: 0, tables: 0, dynamics: 0 },
    reportDelaysMs: [5, 10],
    maxConcurrentSessions: 16,
  });
  try {
    const threads = createThreadStore(
      createTableClient({ kind: 'connectionString', connectionString: channel.env.AzureWebJobsStorage! }, 'threads'),
    );
    const customers = 50;
    const customerOf = (i: number) => `1555555${String(1000 + (i % customers)).padStart(4, '0')}`;
    const post = callbackPoster(channel);
    const inbound = (i: number, tag: string) =>
      inboundSms(
        customerOf(i),
        `message ${tag} ${i}`,
        `${tag}${String(i).padStart(8, '0')}`.padEnd(32, '0').toUpperCase(),
      );

    const rssBefore = process.memoryUsage().rss;
    await post(inbound(0, 'AA')); // warm: connections, key cache, tables

    const sequential = await timed(COUNT, 1, (i) => post(inbound(i, 'B0')));
    const routedStart = performance.now();
    const parallel = await timed(COUNT, CONCURRENCY, (i) => post(inbound(i, 'C0')));
    const total = 1 + 2 * COUNT;
    const countStored = async () => {
      let stored = 0;
      for (let c = 0; c < customers; c++) {
        const state = await threads.read(threadIdOf(SANDBOX_ACCOUNT.customerId, support, customerOf(c)));
        stored += (state.thread?.nextMessage ?? 1) - 1;
      }
      return stored;
    };
    while ((await countStored()) < total) await new Promise((r) => setTimeout(r, 50));
    const routingSeconds = (performance.now() - routedStart) / 1000;

    const conversationOf = (i: number) => `${threadIdOf(SANDBOX_ACCOUNT.customerId, support, customerOf(i))}.1`;
    const send = async (i: number) => {
      const response = await fetch(`${channel.http.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-functions-key': channel.functionKey },
        body: JSON.stringify({ conversationId: conversationOf(i), text: `Reply ${i}: we are looking into it.` }),
      });
      if (response.status !== 202) throw new Error(`send answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    };
    const sendSequential = await timed(Math.min(COUNT, 200), 1, send);
    const sendParallel = await timed(Math.min(COUNT, 200), CONCURRENCY, send);
    const memory = process.memoryUsage();

    console.log(
      `bench: ${COUNT} events per run, concurrency ${CONCURRENCY}, ${customers} customers, Node ${process.version}, ${new Date().toISOString()}`,
    );
    console.log(row('callback, sequential', sequential));
    console.log(row(`callback, ${CONCURRENCY} in flight`, parallel));
    console.log(
      `${'routing, callback to stored message'.padEnd(34)} ${(COUNT / routingSeconds).toFixed(0).padStart(7)}/s   (${COUNT} events in ${routingSeconds.toFixed(2)} s, while arriving)`,
    );
    console.log(row('send, sequential', sendSequential));
    console.log(row(`send, ${CONCURRENCY} in flight`, sendParallel));
    console.log(
      `memory: rss ${mb(rssBefore)} → ${mb(memory.rss)} MiB, heap used ${mb(memory.heapUsed)} MiB (one process: host, Azurite, broker, sandbox)`,
    );
  } finally {
    await channel.stop();
  }
}

/** The bridge's two paths, on a channel of its own with the Dynamics sandbox embedded. */
async function measureBridge() {
  const channel = await startChannel({
    env: { ...localDefaults },
    logger: silentLogger,
    ports: { http: 0, sandbox: 0, broker: 0, tables: 0, dynamics: 0 },
    reportDelaysMs: [5, 10],
    maxConcurrentSessions: 16,
  });
  try {
    const dynamics = channel.dynamicsSandbox;
    const telesign = channel.sandbox;
    if (!dynamics || !telesign) throw new Error('the bridge bench needs the embedded Dynamics and Telesign sandboxes');
    const post = callbackPoster(channel);

    // Thread `BRIDGE_THREADS` is the warm-up one. Fictional 555-2xxx numbers: no sandbox test number (555-01xx).
    const customerOf = (thread: number) => `1555555${String(2000 + thread).padStart(4, '0')}`;
    const smsText = (thread: number, m: number) => `customer ${thread + 1} message ${m + 1}`;
    const referenceOf = (thread: number, m: number) =>
      `D0${String(thread * 1000 + m).padStart(8, '0')}`.padEnd(32, '0').toUpperCase();
    /** The agent writes markdown; the tag, kept as it is by the plain-text conversion, says which reply arrived. */
    const replyText = (thread: number, r: number) => `Thanks, we are **looking into it** (#${thread + 1}.${r + 1}).`;
    const replyTag = /\(#(\d+)\.(\d+)\)/;

    // Customer → Dynamics: a thread's Dynamics conversation is found by the customer's number until its id is known.
    const dynamicsIds = new Map<number, string>();
    const inDynamics = new ArrivalWatch<{ thread: number; text: string }>(
      ({ thread, text }) => {
        let view;
        try {
          view = dynamics.conversation(dynamicsIds.get(thread) ?? customerOf(thread));
        } catch {
          return false; // not created yet
        }
        dynamicsIds.set(thread, view.conversationId);
        return view.messages.some((m) => m.sender === 'customer' && !m.automated && m.text === text);
      },
      ({ thread, text }) => `"${text}" in the Dynamics conversation of thread ${thread + 1}`,
    );
    const smsToDynamics = async (thread: number, m: number) => {
      const arrived = inDynamics.until({ thread, text: smsText(thread, m) });
      await post(inboundSms(customerOf(thread), smsText(thread, m), referenceOf(thread, m)));
      return arrived;
    };

    // Dynamics → customer: what Telesign accepted since the last look, by reply tag.
    const accepted = new Set<string>();
    let looked = 0;
    const atTelesign = new ArrivalWatch<string>(
      (tag) => accepted.has(tag),
      (tag) => `reply #${tag} accepted by Telesign`,
      () => {
        const sent = telesign.sent();
        for (const message of sent.slice(looked)) {
          const tag = replyTag.exec(message.message);
          if (!tag) continue;
          const thread = Number(tag[1]) - 1;
          if (message.phoneNumber !== customerOf(thread))
            throw new Error(`reply #${tag[1]}.${tag[2]} went to the wrong number`);
          accepted.add(`${tag[1]}.${tag[2]}`);
        }
        looked = sent.length;
      },
    );
    const replyToTelesign = async (thread: number, r: number) => {
      const arrived = atTelesign.until(`${thread + 1}.${r + 1}`);
      dynamics.reply(dynamicsIds.get(thread)!, replyText(thread, r));
      return arrived;
    };

    const agentAccepts = async (threads: number[]) => {
      for (const thread of threads)
        dynamics.accept(dynamicsIds.get(thread)!, { id: `agent-${thread + 1}`, name: `Agent ${thread + 1}` });
      // Delivered to our webhook, then applied: nothing left in dynamics-activities.
      await dynamics.webhookIdle();
      const activitiesQueue = channel.env.DYNAMICS_ACTIVITIES_QUEUE || 'dynamics-activities';
      const drained = () =>
        channel
          .broker!.entities()
          .queues.every((q) => q.name !== activitiesQueue || (q.active === 0 && q.scheduled === 0));
      while (!drained()) await new Promise((r) => setTimeout(r, 5));
    };

    // Warm both paths on a thread of its own: token, JWKS, connections, tables, the first create and send.
    const warm = BRIDGE_THREADS;
    await smsToDynamics(warm, 0);
    await agentAccepts([warm]);
    await replyToTelesign(warm, 0);

    const threads = Array.from({ length: BRIDGE_THREADS }, (_, t) => t);
    const toDynamics = await timedThreads(BRIDGE_THREADS, BRIDGE_MESSAGES, smsToDynamics);
    await agentAccepts(threads);
    const toTelesign = await timedThreads(BRIDGE_THREADS, BRIDGE_REPLIES, replyToTelesign);

    console.log(
      `bridge on: ${BRIDGE_THREADS} threads at once, each ${BRIDGE_MESSAGES} SMS in order, then ${BRIDGE_REPLIES} agent replies in order`,
    );
    console.log(row('SMS callback → in Dynamics', toDynamics));
    console.log(row('agent reply → accepted by Telesign', toTelesign));
  } finally {
    await channel.stop();
  }
}

async function main() {
  await measureChannel();
  await measureBridge();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
