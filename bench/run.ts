/**
 * `npm run bench`: the channel's hot paths measured on this machine, in one process, with the embedded parts
 * (Azurite, the broker, the Telesign sandbox) on loopback. Figures, not assertions: the tests assert behaviour.
 *
 *   callback   signed inbound SMS POSTed to /api/telesign/callback until each is queued (Telesign's wait)
 *   routing    from the first callback until every event is a stored message (queue → router → Table Storage)
 *   send       POST /api/messages until Telesign (the sandbox) accepted it and the status is recorded
 */
import { createHmac } from 'node:crypto';

import { startChannel } from '../local/channel';
import { localDefaults, SANDBOX_ACCOUNT } from '../local/localSettings';
import { threadIdOf } from '../shared/domain/threadId';
import { silentLogger } from '../shared/log';
import { createTableClient } from '../shared/storage/tableClients';
import { createThreadStore } from '../shared/storage/threadStore';

const COUNT = Number(process.env.BENCH_COUNT ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timed(count: number, concurrency: number, one: (i: number) => Promise<void>) {
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
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: count / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    max: latencies[latencies.length - 1],
  };
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const row = (name: string, r: { perSecond: number; p50: number; p95: number; max: number }) =>
  `${name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(7)}/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms   max ${r.max.toFixed(1).padStart(7)} ms`;

async function main() {
  const channel = await startChannel({
    env: { ...localDefaults },
    logger: silentLogger,
    ports: { http: 0, sandbox: 0, broker: 0, tables: 0 },
    reportDelaysMs: [5, 10],
    maxConcurrentSessions: 16,
  });
  const threads = createThreadStore(
    createTableClient({ kind: 'connectionString', connectionString: channel.env.AzureWebJobsStorage! }, 'threads'),
  );
  const callbackUrl = `${channel.http.url}/api/telesign/callback`;
  const support = SANDBOX_ACCOUNT.supportNumber;
  const customers = 50;
  const customerOf = (i: number) => `1555555${String(1000 + (i % customers)).padStart(4, '0')}`;

  const post = async (body: string) => {
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
  const inbound = (i: number, tag: string) =>
    JSON.stringify({
      status: { updated_on: new Date().toISOString(), code: 1500, description: 'Delivered to customer' },
      submit_timestamp: new Date().toISOString(),
      errors: [],
      user_response: {
        phone_number: customerOf(i),
        iso_country_code: 'US',
        sender_id: support,
        mo_message: `message ${tag} ${i}`,
      },
      sub_resource: 'mo_sms',
      reference_id: `${tag}${String(i).padStart(8, '0')}`.padEnd(32, '0').toUpperCase(),
    });

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
  await channel.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
