import type { TableClient, TransactionAction } from '@azure/data-tables';

import { activityOf } from '../domain/conversationActivity';
import { type ConversationState, conversationStates } from '../domain/conversationState';
import { snapshotOf, type ThreadParties } from '../domain/indexSnapshot';
import { conversationIdOf, type ConversationRecord } from '../domain/thread';
import type { ConversationIndex, IndexEntry } from '../ports/conversationIndex';
import { snapshotColumns, snapshotFromRow } from './indexSnapshotColumn';
import { odataString } from './keys';
import { isConflict, isNotFound, storageError } from './storageErrors';

/**
 * The conversations index on the `conversationIndex` table. PartitionKey = the state; RowKey = inverted
 * last-activity time and the conversation id, so a partition reads newest first and "idle since before T" is
 * a RowKey range. An entry's cursor is its RowKey. The index cannot join the thread's batch (another table),
 * which is why it is written after the batch commits. `snapshot` (JSON) is the conversation as a list item shows
 * it, when the writer gave the thread's parties (indexSnapshotColumn.ts).
 *
 * Beside each entry, in the same partition, a locator row (RowKey `~` + the conversation id, above every entry's
 * RowKey) names the entry its conversation is filed under there. The two are written together, in one batch, so a
 * locator always names an entry that exists; a move reads the locator instead of trusting the caller's idea of
 * where the entry was, and every change of a locator is conditional on its ETag, so two movers of one
 * conversation cannot both win. A batch cannot delete on a condition, so a conversation that leaves a state
 * leaves its locator there, naming no entry (docs/architecture.md §conversationIndex).
 */

/** 13 digits cover every millisecond time until the year 2286. */
const MAX_MS = 9_999_999_999_999;
const invertedTime = (ms: number) => String(MAX_MS - Math.max(0, Math.min(MAX_MS, ms))).padStart(13, '0');

export function indexKeyOf(threadId: string, c: ConversationRecord): { state: ConversationState; rowKey: string } {
  return { state: c.state, rowKey: `${invertedTime(Date.parse(activityOf(c)))}_${conversationIdOf(threadId, c.n)}` };
}

/** Locators sort after every entry (entries start with a digit): a scan stops below this. */
const LOCATOR_PREFIX = '~';
/** Whether a row of the index table is a locator, not an entry (for tools that read the table's rows). */
export const isLocatorRow = (rowKey: string) => rowKey.startsWith(LOCATOR_PREFIX);
/** The OData filter that keeps an index table's entries, without their locators. */
export const entriesOnlyFilter = `RowKey lt '${LOCATOR_PREFIX}'`;
const locatorKey = (conversationId: string) => `${LOCATOR_PREFIX}${conversationId}`;

/** Entries whose activity is before `time` sort after this RowKey ('~' is above every id character). */
const rowKeyBefore = (time: Date) => `${invertedTime(time.getTime())}~`;

/** A mover that keeps losing to other movers gives up after this many tries. */
const MAX_TRIES = 8;

interface Located {
  state: ConversationState;
  /** The entry filed here; empty when the conversation left this state. */
  entryKey: string;
  etag: string;
}

/** The locator a conversation leaves in a state it left: conditional on the locator read, like every change. */
const leftAction = (l: Located, conversationId: string): TransactionAction => [
  'update',
  { partitionKey: l.state, rowKey: locatorKey(conversationId), entryKey: '' },
  'Replace',
  { etag: l.etag },
];

export function createConversationIndex(client: TableClient): ConversationIndex {
  async function locate(state: ConversationState, conversationId: string): Promise<Located | undefined> {
    try {
      const row = await client.getEntity<{ entryKey: string }>(state, locatorKey(conversationId));
      return { state, entryKey: String(row.entryKey), etag: row.etag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storageError(error, 'read a conversations index locator');
    }
  }

  /**
   * Files the conversation under the entry it calls for, and removes the entry it was filed under in each state
   * of `lookIn` (none for a conversation that has no entry yet: its locator is then created, which fails if one
   * exists, and the next try looks in every state).
   */
  async function file(
    threadId: string,
    c: ConversationRecord,
    parties: ThreadParties | undefined,
    lookIn: readonly ConversationState[],
  ) {
    const key = indexKeyOf(threadId, c);
    const conversationId = conversationIdOf(threadId, c.n);
    const entry = {
      partitionKey: key.state,
      rowKey: key.rowKey,
      conversationId,
      threadId,
      n: c.n,
      queue: c.queue,
      activityAt: activityOf(c),
      ...snapshotColumns(snapshotOf(parties, c)),
    };
    const locator = { partitionKey: key.state, rowKey: locatorKey(conversationId), entryKey: key.rowKey, threadId };
    let states = lookIn;
    // After a 404 (a locator naming an entry that is not there: written by hand, or before locators), entries are
    // removed one by one, where a missing one is fine, and the batches carry the locators alone.
    let loose = false;
    for (let tries = 1; ; tries++) {
      const found = (await Promise.all(states.map((state) => locate(state, conversationId)))).filter(
        (l): l is Located => l !== undefined,
      );
      const home = found.find((l) => l.state === key.state);
      // The entry filed in this state under another activity, if any; and those filed in other states.
      const movedHere = home?.entryKey && home.entryKey !== key.rowKey ? [home] : [];
      const away = found.filter((l) => l.state !== key.state && l.entryKey);
      const entryDeletes = (ls: Located[]): TransactionAction[] =>
        loose ? [] : ls.map((l) => ['delete', { partitionKey: l.state, rowKey: l.entryKey }]);
      try {
        // The new entry first, the other states' second: a write lost in between leaves a stale entry, which the
        // conversation's next event files away, never a conversation that no entry points to.
        await client.submitTransaction([
          ['upsert', entry, 'Replace'],
          home ? ['update', locator, 'Replace', { etag: home.etag }] : ['create', locator],
          ...entryDeletes(movedHere),
        ]);
        await Promise.all(
          away.map((l) => client.submitTransaction([...entryDeletes([l]), leftAction(l, conversationId)])),
        );
        if (loose) await Promise.all([...movedHere, ...away].map((l) => removeRow(l.state, l.entryKey)));
        return;
      } catch (error) {
        // 409/412: another mover changed a locator since it was read; 404: a row it named is gone. Read again,
        // in every state.
        if (!(isConflict(error) || isNotFound(error)) || tries >= MAX_TRIES)
          throw storageError(error, 'write a conversations index entry');
        if (isNotFound(error)) loose = true;
        states = conversationStates;
      }
    }
  }

  async function removeRow(state: ConversationState, rowKey: string) {
    try {
      await client.deleteEntity(state, rowKey);
    } catch (error) {
      if (!isNotFound(error)) throw storageError(error, 'remove a conversations index entry');
    }
  }

  return {
    async record(threadId, before, after, parties) {
      const isNew = !before || before.n !== after.n;
      await file(threadId, after, parties, isNew ? [] : [...new Set([before.state, after.state])]);
    },
    put: (threadId, conversation, parties) => file(threadId, conversation, parties, conversationStates),
    async remove(entry) {
      const located = await locate(entry.state, entry.conversationId);
      try {
        if (located?.entryKey === entry.cursor) {
          await client.submitTransaction([
            ['delete', { partitionKey: entry.state, rowKey: entry.cursor }],
            leftAction(located, entry.conversationId),
          ]);
          return;
        }
      } catch (error) {
        // Gone already, or moved meanwhile by a writer who removed it with its locator.
        if (!(isNotFound(error) || isConflict(error))) throw storageError(error, 'remove a conversations index entry');
        return;
      }
      // Not the entry its conversation is filed under here (or one written before locators): it stands alone.
      await removeRow(entry.state, entry.cursor);
    },
    async *scan(state, options = {}) {
      const clauses = [`PartitionKey eq ${odataString(state)}`, entriesOnlyFilter];
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
