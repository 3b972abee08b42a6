import type { ServiceBusSender } from '@azure/service-bus';

import type { TableClients } from '../shared/storage/tableClients';
import type { TelesignClient } from '../shared/telesign/client';

/**
 * The operations a path cannot do without, on the same clients (and so the same counter) as the path: what each
 * path is measured against. Their rows live in partitions of their own (`bench-floor-…`), apart from the threads.
 */

let rows = 0;
let floors = 0;
/** Row keys never written before in this process (the floors create rows, as the paths do). */
const freshRow = () => `row-${++rows}`;

/** A point read and a batch of three rows (a head, a message, a marker): what the router's join must do. */
export function pointReadAndBatch(tables: TableClients, partitions: number) {
  const tag = ++floors;
  const partition = (i: number) => `bench-floor-${tag}-${i % partitions}`;
  return {
    /** Writes the heads the floor reads. */
    async prepare() {
      for (let p = 0; p < partitions; p++)
        await tables.threads.upsertEntity({ partitionKey: partition(p), rowKey: 'head', n: 0 }, 'Replace');
    },
    async op(i: number) {
      const pk = partition(i);
      const head = await tables.threads.getEntity<{ n: number }>(pk, 'head');
      await tables.threads.submitTransaction([
        ['upsert', { partitionKey: pk, rowKey: 'head', n: (head.n ?? 0) + 1 }, 'Replace'],
        ['create', { partitionKey: pk, rowKey: freshRow(), text: `floor message ${i}` }],
        ['create', { partitionKey: pk, rowKey: `mark-${freshRow()}`, at: new Date().toISOString() }],
      ]);
    },
  };
}

/** One batch of two rows (the message and its pointer's worth of writing). */
export async function oneBatch(tables: TableClients, tag: string, i: number) {
  await tables.threads.submitTransaction([
    ['upsert', { partitionKey: `bench-${tag}-${i % 50}`, rowKey: 'head', n: i }, 'Replace'],
    ['create', { partitionKey: `bench-${tag}-${i % 50}`, rowKey: freshRow(), text: `floor ${i}` }],
  ]);
}

/** A signed SMS POST to Telesign (the sandbox), then one batch: what a send must do. */
export function signedPostAndBatch(telesign: TelesignClient, tables: TableClients, phoneNumber: (i: number) => string) {
  return async (i: number) => {
    await telesign.sendSms({ phoneNumber: phoneNumber(i), message: `Floor reply ${i}: we are looking into it.` });
    await oneBatch(tables, 'send-floor', i);
  };
}

/** One page of the conversations index, `limit` rows: what a listing must read. */
export function indexPage(tables: TableClients, limit: number) {
  return async () => {
    const page = await tables.conversationIndex.listEntities().byPage({ maxPageSize: limit }).next();
    if (page.done || page.value.length === 0) throw new Error('the index page is empty');
  };
}

/** The bare queue send an ingest must do (the same body every time, under a new message id). */
export function bareSend(sender: ServiceBusSender, body: unknown, sessionId: string) {
  return async (i: number) => {
    await sender.sendMessages({
      body,
      messageId: `bench-floor-${i}-${Date.now()}`,
      sessionId,
      contentType: 'application/json',
    });
  };
}
