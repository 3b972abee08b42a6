import { silentLogger } from '../../shared/log';
import { createServiceBusClient } from '../../shared/queue/serviceBusClient';
import { customerNumber, inboundSms, queuedOf, referenceOf, signedHeaders } from '../callbacks';
import type { BenchChannel } from '../context';
import { bareSend } from '../floors';
import { compare, type Comparison } from '../measure';
import type { Progress } from '../progress';

const WARM = 99_999_999;
/** Callback numbers of the floor's events, apart from the path's (0, 1, …) and the warm-up's. */
const FLOOR_EVENTS = 50_000_000;

/** Ingest (verify + parse + publish), the service called directly, against a bare `sendMessages` of such an event. */
export async function ingestPhase(ctx: BenchChannel, ops: number, progress?: Progress): Promise<Comparison> {
  const { app, account } = ctx.bench;
  const customers = 50;
  const body = (i: number) => inboundSms(customerNumber(0, i % customers), `ingest ${i}`, referenceOf('1A', i));
  const ingest = async (i: number) => {
    const raw = body(i);
    const headers = signedHeaders(raw);
    const outcome = await app.ingest(
      {
        rawBody: Buffer.from(raw),
        authorization: headers.authorization,
        xTsAuthorization: headers['x-ts-authorization'],
      },
      silentLogger,
    );
    if (!outcome.ok)
      throw new Error(
        `ingest refused the callback: ${outcome.error.code} ${outcome.error.message} ${JSON.stringify(outcome.error.details ?? {})} ${String((outcome.error as { cause?: unknown }).cause)}`,
      );
  };
  // The floor sends events the ingest would have queued (fresh ones, floors.ts) through a client built as the
  // app builds its publisher's (shared/queue/serviceBusClient.ts), not the channel's, which its consumers share
  // and which runs with TCP_NODELAY (local/noDelayTransport.ts): the same transport as the path's publish.
  const events = Array.from({ length: ops + 1 }, (_, i) => queuedOf(body(FLOOR_EVENTS + i), account));
  const client = createServiceBusClient(app.config.serviceBus);
  const sender = client.createSender(app.config.inboundQueueName);
  const floor = bareSend(sender, events);
  try {
    await ingest(WARM);
    await floor(ops);
    return await compare({
      name: 'ingest (verify + parse + publish)',
      floorName: 'bare sendMessages',
      path: ingest,
      floor,
      ops,
      // Ingest touches no table: counted, so that a storage request creeping in shows.
      counter: ctx.bench.counter,
      progress,
    });
  } finally {
    await sender.close();
    await client.close();
  }
}
