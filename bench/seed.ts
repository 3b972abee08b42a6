import type { TableEntity, TableEntityResult } from '@azure/data-tables';

import type { MessageRecord } from '../shared/domain/thread';
import type { ThreadStore } from '../shared/ports/threadStore';
import type { TableClients, TableName } from '../shared/storage/tableClients';
import type { Progress } from './progress';

type Row = TableEntity<Record<string, unknown>>;

/** Every row of one thread, in whichever table holds it: found by the thread id or the customer's number in it. */
export interface ThreadTemplate {
  threadId: string;
  customer: string;
  rows: Array<{ table: TableName; row: Row }>;
}

const METADATA = new Set(['etag', 'timestamp', 'odata.metadata', 'odata.etag']);

const mentions = (row: Record<string, unknown>, needles: string[]) =>
  Object.values(row).some((v) => typeof v === 'string' && needles.some((n) => v.includes(n)));

/**
 * Takes a thread's rows as the code wrote them, whatever their layout: seeding copies them, so that the seeded
 * threads look to every reader (router, listing, repair) as the real one does. Read while the tables are small.
 */
export async function captureThread(tables: TableClients, threadId: string, customer: string): Promise<ThreadTemplate> {
  const rows: ThreadTemplate['rows'] = [];
  for (const [table, client] of Object.entries(tables) as Array<[TableName, TableClients[TableName]]>) {
    for await (const entity of client.listEntities<Record<string, unknown>>()) {
      if (!mentions(entity as TableEntityResult<Record<string, unknown>>, [threadId, customer])) continue;
      const row = Object.fromEntries(Object.entries(entity).filter(([k]) => !METADATA.has(k))) as Row;
      rows.push({ table, row });
    }
  }
  if (!rows.some((r) => r.table === 'threads')) throw new Error(`no rows of thread ${threadId} to copy`);
  return { threadId, customer, rows };
}

const substitute = (row: Row, from: string[], to: string[]): Row =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) => {
      if (typeof v !== 'string') return [k, v];
      let s = v;
      for (let i = 0; i < from.length; i++) s = s.split(from[i]).join(to[i]);
      return [k, s];
    }),
  ) as Row;

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/**
 * Writes copies of the template as new threads (thread id and customer number replaced everywhere), in batches
 * straight into the tables: one per thread partition, up to 100 rows per shared partition (the index).
 */
export async function seedThreads(
  tables: TableClients,
  template: ThreadTemplate,
  copies: Array<{ threadId: string; customer: string }>,
  progress?: Progress,
): Promise<void> {
  const CHUNK = 500;
  for (let start = 0; start < copies.length; start += CHUNK) {
    const groups = new Map<string, { table: TableName; rows: Row[] }>();
    const chunk = copies.slice(start, start + CHUNK);
    for (const copy of chunk) {
      for (const { table, row } of template.rows) {
        const cloned = substitute(row, [template.threadId, template.customer], [copy.threadId, copy.customer]);
        const key = `${table}\u0000${cloned.partitionKey}`;
        const group = groups.get(key) ?? { table, rows: [] };
        group.rows.push(cloned);
        groups.set(key, group);
      }
    }
    const batches = [...groups.values()].flatMap(({ table, rows }) =>
      Array.from({ length: Math.ceil(rows.length / 100) }, (_, b) => ({
        table,
        rows: rows.slice(b * 100, b * 100 + 100),
      })),
    );
    await inParallel(batches, 16, async ({ table, rows }) => {
      await tables[table].submitTransaction(rows.map((row) => ['upsert', row, 'Replace']));
    });
    progress?.tick(chunk.length);
  }
}

/**
 * Grows the open conversation of a thread to `total` messages through the thread store's own commit (a batch of
 * 45 messages and their markers at a time), as if the customer had sent them.
 */
export async function seedMessages(threads: ThreadStore, threadId: string, total: number, progress?: Progress) {
  const PER_BATCH = 45;
  for (;;) {
    const state = await threads.read(threadId);
    const thread = state.thread;
    if (!thread?.conversation) throw new Error(`thread ${threadId} has no open conversation`);
    const have = thread.nextMessage - 1;
    if (have >= total) return;
    const count = Math.min(PER_BATCH, total - have);
    const at = new Date().toISOString();
    const newMessages: MessageRecord[] = Array.from({ length: count }, (_, k) => ({
      conversation: thread.conversation!.n,
      m: thread.nextMessage + k,
      direction: 'inbound',
      text: `history message ${thread.nextMessage + k}`,
      segments: 1,
      encoding: 'GSM-7',
      createdAt: at,
      eventId: `bench-history-${threadId}-${thread.nextMessage + k}`,
    }));
    const result = await threads.commit(threadId, state.version, {
      thread: { ...thread, nextMessage: thread.nextMessage + count, updatedAt: at },
      newMessages,
      markers: newMessages.map((m) => ({ key: { event: m.eventId! } })),
    });
    if (result !== 'committed') throw new Error(`seeding ${threadId}: commit ${result}`);
    progress?.tick(count);
  }
}
