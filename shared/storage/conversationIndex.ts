import type { TableClient } from '@azure/data-tables';

import { activityOf } from '../domain/conversationActivity';
import type { ConversationState } from '../domain/conversationState';
import { snapshotOf, type ThreadParties } from '../domain/indexSnapshot';
import { conversationIdOf, type ConversationRecord } from '../domain/thread';
import type { ConversationIndex, IndexEntry } from '../ports/conversationIndex';
import { snapshotColumns, snapshotFromRow } from './indexSnapshotColumn';
import { odataString } from './keys';
import { isNotFound, storageError } from './storageErrors';

/**
 * The conversations index on the `conversationIndex` table. PartitionKey = the state; RowKey = inverted
 * last-activity time and the conversation id, so a partition reads newest first and "idle since before T" is
 * a RowKey range. An entry's cursor is its RowKey. The index cannot join the thread's batch (another table),
 * which is why it is written after the batch commits. `snapshot` (JSON) is the conversation as a list item shows
 * it, when the writer gave the thread's parties (indexSnapshotColumn.ts).
 */

/** 13 digits cover every millisecond time until the year 2286. */
const MAX_MS = 9_999_999_999_999;
const invertedTime = (ms: number) => String(MAX_MS - Math.max(0, Math.min(MAX_MS, ms))).padStart(13, '0');

export function indexKeyOf(threadId: string, c: ConversationRecord): { state: ConversationState; rowKey: string } {
  return { state: c.state, rowKey: `${invertedTime(Date.parse(activityOf(c)))}_${conversationIdOf(threadId, c.n)}` };
}

/** Entries whose activity is before `time` sort after this RowKey ('~' is above every id character). */
const rowKeyBefore = (time: Date) => `${invertedTime(time.getTime())}~`;

export function createConversationIndex(client: TableClient): ConversationIndex {
  async function put(threadId: string, c: ConversationRecord, parties?: ThreadParties) {
    const key = indexKeyOf(threadId, c);
    try {
      await client.upsertEntity(
        {
          partitionKey: key.state,
          rowKey: key.rowKey,
          conversationId: conversationIdOf(threadId, c.n),
          threadId,
          n: c.n,
          queue: c.queue,
          activityAt: activityOf(c),
          ...snapshotColumns(snapshotOf(parties, c)),
        },
        'Replace',
      );
    } catch (error) {
      throw storageError(error, 'write a conversations index entry');
    }
  }

  async function remove(state: ConversationState, rowKey: string) {
    try {
      await client.deleteEntity(state, rowKey);
    } catch (error) {
      if (!isNotFound(error)) throw storageError(error, 'remove a conversations index entry');
    }
  }

  return {
    async record(threadId, before, after, parties) {
      // New first, old second: a write lost in between leaves a stale entry that a reader repairs, never a
      // conversation that no entry points to.
      await put(threadId, after, parties);
      if (before && before.n === after.n) {
        const old = indexKeyOf(threadId, before);
        const now = indexKeyOf(threadId, after);
        if (old.state !== now.state || old.rowKey !== now.rowKey) await remove(old.state, old.rowKey);
      }
    },
    put,
    remove: (entry) => remove(entry.state, entry.cursor),
    async *scan(state, options = {}) {
      const clauses = [`PartitionKey eq ${odataString(state)}`];
      if (options.after) clauses.push(`RowKey gt ${odataString(options.after)}`);
      if (options.activityBefore) clauses.push(`RowKey gt ${odataString(rowKeyBefore(options.activityBefore))}`);
      if (options.queue !== undefined) clauses.push(`queue eq ${odataString(options.queue)}`);
      const pages = client
        .listEntities<Record<string, unknown>>({ queryOptions: { filter: clauses.join(' and ') } })
        .byPage({ maxPageSize: options.pageSize ?? 100 });
      try {
        for await (const page of pages) {
          for (const row of page) {
            const n = Number(row.n);
            const snapshot = snapshotFromRow(row, { state, n });
            const entry: IndexEntry = {
              state,
              conversationId: String(row.conversationId),
              threadId: String(row.threadId),
              n,
              queue: String(row.queue),
              activityAt: String(row.activityAt),
              ...(snapshot ? { snapshot } : {}),
              cursor: row.rowKey!,
            };
            yield entry;
          }
        }
      } catch (error) {
        throw storageError(error, 'read the conversations index');
      }
    },
  };
}
