import { silentLogger } from '../../shared/log';
import { customerNumber, inboundSms, queuedOf, referenceOf, signedHeaders } from '../callbacks';
import type { BenchChannel } from '../context';
import { bareSend } from '../floors';
import { compare, type Comparison } from '../measure';
import type { Progress } from '../progress';

const WARM = 99_999_999;

/** Ingest (verify + parse + publish), the service called directly, against a bare `sendMessages` of its event. */
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
  // The floor publishes the same event again (the router takes it as a duplicate): the same bytes on the wire.
  const queued = queuedOf(body(WARM), account);
  const sender = ctx.channel.serviceBusClient.createSender(app.config.inboundQueueName);
  const floor = bareSend(sender, queued.event, queued.sessionId);
  try {
    await ingest(WARM);
    await floor(WARM);
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
  }
}
