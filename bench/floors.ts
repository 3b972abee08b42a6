import type { ServiceBusSender } from '@azure/service-bus';

import type { QueuedEvent } from '../shared/domain/inboundEvent';
import { queueMessageOf } from '../shared/queue/eventPublisher';
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

/**
 * A point read and a batch of four rows (a head, the conversation, a message, a marker): what the router's join
 * must do, its batch being those rows (storage/threadStore.ts `commit`). By default
 * in partitions of the floor's own; `inPartitions` puts the rows (keys `bench-floor-…`, which no range of the
 * thread's rows covers) in the path's own partitions instead, for a path whose partition is large: Azurite finds
 * a row by scanning its partition (LokiTableMetadataStore's `findOne` on the PartitionKey index, then a filter on
 * the RowKey), where Table Storage finds it by key, so a floor in a small partition would charge that scan to the
 * path (docs/architecture.md §Storage).
 */
export function pointReadAndBatch(tables: TableClients, partitions: number, inPartitions?: string[]) {
  const tag = ++floors;
  const partition = (i: number) =>
    inPartitions ? inPartitions[i % inPartitions.length] : `bench-floor-${tag}-${i % partitions}`;
  const count = inPartitions ? inPartitions.length : partitions;
  const head = inPartitions ? `bench-floor-${tag}-head` : 'head';
  const row = inPartitions ? () => `bench-floor-${freshRow()}` : freshRow;
  return {
    /** Writes the heads the floor reads. */
    async prepare() {
      for (let p = 0; p < count; p++)
        await tables.threads.upsertEntity({ partitionKey: partition(p), rowKey: head, n: 0 }, 'Replace');
    },
    async op(i: number) {
      const pk = partition(i);
      const current = await tables.threads.getEntity<{ n: number }>(pk, head);
      await tables.threads.submitTransaction([
        ['upsert', { partitionKey: pk, rowKey: head, n: (current.n ?? 0) + 1 }, 'Replace'],
        ['upsert', { partitionKey: pk, rowKey: `${head}-conversation`, n: (current.n ?? 0) + 1 }, 'Replace'],
        ['create', { partitionKey: pk, rowKey: row(), text: `floor message ${i}` }],
        ['create', { partitionKey: pk, rowKey: `mark-${row()}`, at: new Date().toISOString() }],
      ]);
    },
  };
}

/**
 * The join's floor, then one index write: what a message that starts a conversation must do. The index is another
 * table, so its entry cannot join the batch, and it cannot go before or beside it either: a listing that read the
 * entry before the batch committed would remove it as pointing at no conversation (services/conversations.ts
 * `checkEntry`), leaving the conversation without one (ports/conversationIndex.ts; docs/architecture.md
 * §conversationIndex). Three sequential requests are the start's floor.
 */
export function pointReadBatchAndIndexPut(tables: TableClients, partitions: number) {
  const join = pointReadAndBatch(tables, partitions);
  return {
    prepare: join.prepare,
    async op(i: number) {
      await join.op(i);
      await tables.conversationIndex.upsertEntity(
        { partitionKey: 'bench-floor', rowKey: freshRow(), conversationId: `floor.${i}`, n: 1 },
        'Replace',
      );
    },
  };
}

/**
 * A point read in another table, then the join's floor: what a delivery report found by its reference must do (the
 * reference's pointer names the thread and message the rest reads and writes; ports/referenceStore.ts). Three
 * sequential requests are the report's floor when Telesign does not echo our `external_id`.
 */
export function referenceReadPointReadAndBatch(tables: TableClients, partitions: number) {
  const join = pointReadAndBatch(tables, partitions);
  const tag = ++floors;
  const reference = (i: number) => `bench-floor-${tag}-${i % partitions}`;
  return {
    async prepare() {
      await join.prepare();
      for (let p = 0; p < partitions; p++)
        await tables.references.upsertEntity({ partitionKey: reference(p), rowKey: 'pointer', m: p }, 'Replace');
    },
    async op(i: number) {
      await tables.references.getEntity(reference(i), 'pointer');
      await join.op(i);
    },
  };
}

/** One batch of two rows (the message and its pointer's worth of writing). */
async function oneBatch(tables: TableClients, tag: string, i: number) {
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

/**
 * The bare queue send an ingest must do: event `i` of `events`, parsed before the clock starts, as the publisher
 * sends it (shared/queue/eventPublisher.ts). Each is a message the router has not seen, so that the routing the
 * channel's consumers do in this same process weighs on the floor's rounds as on the path's: one event sent again
 * would be a duplicate to them (a point read, nothing written, nothing published) and leave the floor unloaded.
 */
export function bareSend(sender: ServiceBusSender, events: QueuedEvent[]) {
  return async (i: number) => {
    await sender.sendMessages(queueMessageOf(events[i]));
  };
}
