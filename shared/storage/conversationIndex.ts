import type { TableClient } from '@azure/data-tables';

import type { ConversationState } from '../domain/conversationState';
import { conversationIdOf, type ConversationRecord } from '../domain/thread';
import { odataString } from './keys';
import { isNotFound, storageUnavailable } from './storageErrors';

/**
 * The `conversationIndex` table: one entry per conversation, so that listing a state (and queue) reads the
 * index instead of every thread. PartitionKey = the state; RowKey = inverted last-activity time and the
 * conversation id, so a partition reads newest first and "idle since before T" is a RowKey range.
 *
 * The thread's `conv-<n>` row is the truth. An entry's key is a function of that row (state, updatedAt, id),
 * so anyone holding the row knows which entry it calls for, and an entry that differs is stale by definition.
 * The index cannot join the thread's batch (another table), so it is written after the batch commits and
 * repaired by whoever reads a stale entry.
 */

export interface IndexEntry {
  state: ConversationState;
  rowKey: string;
  conversationId: string;
  threadId: string;
  n: number;
  queue: string;
  activityAt: string;
}

export interface ScanOptions {
  queue?: string;
  /** Only entries after this RowKey (a page cursor). */
  after?: string;
  /** Only entries whose activity is before this time (idle ones). */
  activityBefore?: Date;
  pageSize?: number;
}

export interface ConversationIndex {
  /** After a thread batch committed: the entry `after` calls for, then the one `before` called for is removed. */
  record(threadId: string, before: ConversationRecord | undefined, after: ConversationRecord): Promise<void>;
  /** Writes the entry a conversation row calls for (idempotent). */
  put(threadId: string, conversation: ConversationRecord): Promise<void>;
  remove(entry: Pick<IndexEntry, 'state' | 'rowKey'>): Promise<void>;
  /** Entries of one state in RowKey order (newest activity first). */
  scan(state: ConversationState, options?: ScanOptions): AsyncIterable<IndexEntry>;
}

/** 13 digits cover every millisecond time until the year 2286. */
const MAX_MS = 9_999_999_999_999;
const invertedTime = (ms: number) => String(MAX_MS - Math.max(0, Math.min(MAX_MS, ms))).padStart(13, '0');

/** The activity that orders a conversation: any message or state change moves `updatedAt`. */
export const activityOf = (c: ConversationRecord) => c.updatedAt;

export function indexKeyOf(threadId: string, c: ConversationRecord): { state: ConversationState; rowKey: string } {
  return { state: c.state, rowKey: `${invertedTime(Date.parse(activityOf(c)))}_${conversationIdOf(threadId, c.n)}` };
}

/** Entries whose activity is before `time` sort after this RowKey ('~' is above every id character). */
const rowKeyBefore = (time: Date) => `${invertedTime(time.getTime())}~`;

export function createConversationIndex(client: TableClient): ConversationIndex {
  async function put(threadId: string, c: ConversationRecord) {
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
        },
        'Replace',
      );
    } catch (error) {
      throw storageUnavailable(error);
    }
  }

  async function remove(entry: Pick<IndexEntry, 'state' | 'rowKey'>) {
    try {
      await client.deleteEntity(entry.state, entry.rowKey);
    } catch (error) {
      if (!isNotFound(error)) throw storageUnavailable(error);
    }
  }

  return {
    async record(threadId, before, after) {
      // New first, old second: a write lost in between leaves a stale entry that a reader repairs, never a
      // conversation that no entry points to.
      await put(threadId, after);
      if (before && before.n === after.n) {
        const old = indexKeyOf(threadId, before);
        const now = indexKeyOf(threadId, after);
        if (old.state !== now.state || old.rowKey !== now.rowKey) await remove(old);
      }
    },
    put,
    remove,
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
            yield {
              state,
              rowKey: row.rowKey!,
              conversationId: String(row.conversationId),
              threadId: String(row.threadId),
              n: Number(row.n),
              queue: String(row.queue),
              activityAt: String(row.activityAt),
            };
          }
        }
      } catch (error) {
        throw storageUnavailable(error);
      }
    },
  };
}

/**
 * Starting a conversation or changing its state moves its entry: one write (and the old entry's delete). Mere
 * activity (a message) does not, to keep the inbound hot path at one read and one batch; the entry's order
 * catches up when a reader repairs it or the next state change moves it.
 */
export function movesIndexEntry(before: ConversationRecord | undefined, after: ConversationRecord): boolean {
  return !before || before.n !== after.n || before.state !== after.state;
}
