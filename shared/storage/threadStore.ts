import type { TableClient, TransactionAction } from '@azure/data-tables';

import type { MarkerKey, MarkerProperties, ThreadStore, Version } from '../ports/threadStore';
import { conversationRow, eventRow, HEAD_ROW, idempotencyRow, messageRow } from './keys';
import { isConflict, isNotFound, statusOf, storageError } from './storageErrors';
import {
  conversationFromRow,
  conversationRowOf,
  headRow,
  messageFromRow,
  messageRowOf,
  type StoredRow,
  threadFromRow,
} from './threadEntities';

/**
 * The thread store on the `threads` table: one partition per thread, every change one atomic batch. A version
 * is a row's ETag: the head row's guards a change to the thread, a message row's guards a status update.
 * Markers are rows of the partition (`evt-…`, `key-…`), so that creating one joins the batch it belongs to.
 */

const markerRow = (key: MarkerKey) => ('event' in key ? eventRow(key.event) : idempotencyRow(key.idempotencyKey));

/** A marker row's own properties, without the table's keys and bookkeeping. */
function markerProperties(row: StoredRow): MarkerProperties {
  const properties: MarkerProperties = {};
  for (const [name, value] of Object.entries(row)) {
    if (['partitionKey', 'rowKey', 'etag', 'timestamp'].includes(name) || name.startsWith('odata.')) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') properties[name] = value;
  }
  return properties;
}

/**
 * One row by its keys, or undefined. Always a point read, never a `$filter` query: Table Storage runs
 * `RowKey eq … or RowKey eq …` as a partition scan, so a read that names two rows is two point reads in parallel
 * (docs/architecture.md §Storage, threads).
 */
async function pointRead(client: TableClient, threadId: string, rowKey: string): Promise<StoredRow | undefined> {
  try {
    return await client.getEntity<Record<string, unknown>>(threadId, rowKey);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw storageError(error, "read a thread's rows");
  }
}

/** The batch, and the ETag each action's row took, in action order (a sub-response carries it). */
async function submit(
  client: TableClient,
  actions: TransactionAction[],
): Promise<{ result: 'committed'; versions: Version[] } | { result: 'conflict' }> {
  try {
    const response = await client.submitTransaction(actions);
    return { result: 'committed', versions: response.subResponses.map((r) => r.etag as Version) };
  } catch (error) {
    if (isConflict(error)) return { result: 'conflict' };
    throw storageError(error, "write a thread's batch");
  }
}

export function createThreadStore(client: TableClient): ThreadStore {
  const markerAction = (threadId: string, key: MarkerKey, properties: MarkerProperties = {}): TransactionAction => [
    'create',
    { partitionKey: threadId, rowKey: markerRow(key), ...properties },
  ];

  const commitWithVersions: ThreadStore['commitWithVersions'] = async (threadId, version, change) => {
    const head = headRow(change.thread);
    const actions: TransactionAction[] = [version ? ['update', head, 'Replace', { etag: version }] : ['create', head]];
    for (const c of change.conversations ?? [])
      actions.push(['upsert', conversationRowOf(threadId, change.thread, c), 'Replace']);
    const firstMessage = actions.length;
    for (const m of change.newMessages ?? []) actions.push(['create', messageRowOf(threadId, m)]);
    for (const marker of change.markers ?? []) actions.push(markerAction(threadId, marker.key, marker.properties));
    const outcome = await submit(client, actions);
    if (outcome.result === 'conflict') return outcome;
    const messages = change.newMessages?.length ?? 0;
    return { result: 'committed', messageVersions: outcome.versions.slice(firstMessage, firstMessage + messages) };
  };

  return {
    async read(threadId, marker) {
      const [head, markerFound] = await Promise.all([
        pointRead(client, threadId, HEAD_ROW),
        marker ? pointRead(client, threadId, markerRow(marker)) : undefined,
      ]);
      return {
        thread: head ? threadFromRow(head) : undefined,
        version: head?.etag as Version | undefined,
        applied: markerFound !== undefined,
        marker: markerFound ? markerProperties(markerFound) : undefined,
      };
    },

    commit: async (threadId, version, change) => (await commitWithVersions(threadId, version, change)).result,
    commitWithVersions,

    async readMessage(threadId, conversation, m, eventId) {
      const [row, marker] = await Promise.all([
        pointRead(client, threadId, messageRow(conversation, m)),
        eventId ? pointRead(client, threadId, eventRow(eventId)) : undefined,
      ]);
      return {
        message: row ? messageFromRow(row) : undefined,
        version: row?.etag as Version | undefined,
        applied: marker !== undefined,
      };
    },

    async updateMessage(threadId, message, version, markers = {}) {
      const actions: TransactionAction[] = [['update', messageRowOf(threadId, message), 'Replace', { etag: version }]];
      if (markers.create) actions.push(markerAction(threadId, markers.create));
      if (markers.remove) actions.push(['delete', { partitionKey: threadId, rowKey: markerRow(markers.remove) }]);
      return (await submit(client, actions)).result;
    },

    async mark(threadId, marker) {
      try {
        await client.createEntity({ partitionKey: threadId, rowKey: markerRow(marker) });
        return 'marked';
      } catch (error) {
        if (statusOf(error) === 409) return 'exists';
        throw storageError(error, 'write a marker');
      }
    },

    async getConversation(threadId, n) {
      try {
        return conversationFromRow(await client.getEntity<Record<string, unknown>>(threadId, conversationRow(n)));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw storageError(error, 'read a conversation');
      }
    },
  };
}
