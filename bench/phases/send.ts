import { SANDBOX_ACCOUNT } from '../../local/localSettings';
import { silentLogger } from '../../shared/log';
import { parseSendRequest } from '../../shared/services/sendRequest';
import { createTelesignClient } from '../../shared/telesign/client';
import { customerNumber, unreportedCustomerNumber } from '../callbacks';
import type { BenchChannel } from '../context';
import { signedPostAndBatch } from '../floors';
import { compare, type Comparison } from '../measure';
import type { Progress } from '../progress';
import { openConversations } from './route';

const SEND_POOL = 3;
const CUSTOMERS = 50;

export interface SendFigures {
  comparisons: Comparison[];
  /** Secret reads the send path made at the loopback Key Vault, per 1,000 sends (the cache's worth). */
  keyVaultReadsPer1000Sends: number;
  sends: number;
}

/**
 * The send service called directly (`POST /api/messages` without HTTP) against a signed Telesign POST to the
 * sandbox and one batch, sequentially and `concurrency` at a time, to conversations opened beforehand. It is
 * `App.send` as shared/app.ts wires it, so with the sends-in-flight entry (docs/architecture.md §Sending): a reply
 * without an Idempotency-Key costs 7 requests, the 5 of storageBudgets.test.ts's reply and the entry in and out.
 *
 * Twice: to customers the sandbox reports on, whose two delivery reports per message (the path's and the
 * floor's) the channel routes in this same process meanwhile, as it would; and to customers it never reports on,
 * so that the path and its floor are measured alone (the reports' routing is a row of its own).
 */
export async function sendPhase(
  ctx: BenchChannel,
  options: { ops: number; concurrency: number[]; progress?: Progress },
): Promise<SendFigures> {
  const comparisons: Comparison[] = [];
  let reads = 0;
  let sent = 0;
  for (const reported of [true, false]) {
    const customers = Array.from({ length: CUSTOMERS }, (_, k) =>
      reported ? customerNumber(SEND_POOL, k) : unreportedCustomerNumber(k),
    );
    const run = await sendTo(ctx, customers, reported, options);
    comparisons.push(...run.comparisons);
    reads += run.reads;
    sent += run.sent;
  }
  return { comparisons, keyVaultReadsPer1000Sends: (reads / Math.max(1, sent)) * 1000, sends: sent };
}

async function sendTo(
  ctx: BenchChannel,
  customers: string[],
  reported: boolean,
  options: { ops: number; concurrency: number[]; progress?: Progress },
): Promise<{ comparisons: Comparison[]; reads: number; sent: number }> {
  const { bench } = ctx;
  const conversations = await openConversations(bench, customers);
  let sent = 0;
  const send = async (i: number) => {
    const command = parseSendRequest(
      { conversationId: conversations[i % CUSTOMERS], text: `Reply ${i}: we are looking into it.` },
      undefined,
    );
    if (!command.ok) throw new Error(command.error.message);
    const outcome = await bench.app.send(command.value, silentLogger);
    if (!outcome.ok) throw new Error(`send ${i}: ${outcome.error.code} ${outcome.error.message}`);
    sent++;
  };
  const telesign = createTelesignClient({
    baseUrl: bench.app.config.telesignApiBaseUrl,
    customerId: bench.account.customerId,
    getApiKey: async () => SANDBOX_ACCOUNT.apiKey,
  });
  const floor = signedPostAndBatch(telesign, bench.tables, (i) => customers[i % CUSTOMERS]);
  await send(0);
  await floor(0);
  const readsBefore = bench.vault.reads();
  sent = 0;
  const comparisons: Comparison[] = [];
  for (const concurrency of options.concurrency)
    comparisons.push(
      await compare({
        name: reported
          ? 'send (service direct, app wiring: + in-flight entry)'
          : 'send, no delivery reports routed meanwhile',
        floorName: 'signed Telesign POST + 1 batch',
        path: send,
        floor,
        ops: options.ops,
        concurrency,
        counter: bench.counter,
        progress: options.progress,
      }),
    );
  return { comparisons, reads: bench.vault.reads() - readsBefore, sent };
}
