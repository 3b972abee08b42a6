import type { TableClient, TransactionAction } from '@azure/data-tables';

import type { CommitResult, MarkerKey, MarkerProperties, ThreadStore, Version } from '../ports/threadStore';
import { conversationRow, eventRow, HEAD_ROW, idempotencyRow, messageRow, odataString } from './keys';
import { isConflict, isNotFound, storageError } from './storageErrors';
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

async function queryRows(client: TableClient, filter: string): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  try {
    for await (const row of client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) rows.push(row);
  } catch (error) {
    throw storageError(error, "read a thread's rows");
  }
  return rows;
}

/** The partition's rows with these RowKeys, in one query. */
const rowsOf = (client: TableClient, threadId: string, rowKeys: string[]) =>
  queryRows(
    client,
    `PartitionKey eq ${odataString(threadId)} and (${rowKeys.map((k) => `RowKey eq ${odataString(k)}`).join(' or ')})`,
  );

async function submit(client: TableClient, actions: TransactionAction[]): Promise<CommitResult> {
  try {
    await client.submitTransaction(actions);
    return 'committed';
  } catch (error) {
    if (isConflict(error)) return 'conflict';
    throw storageError(error, "write a thread's batch");
  }
}

export function createThreadStore(client: TableClient): ThreadStore {
  const markerAction = (threadId: string, key: MarkerKey, properties: MarkerProperties = {}): TransactionAction => [
    'create',
    { partitionKey: threadId, rowKey: markerRow(key), ...properties },
  ];

  return {
    async read(threadId, marker) {
      const markerKey = marker ? markerRow(marker) : undefined;
      const rows = await rowsOf(client, threadId, [HEAD_ROW, ...(markerKey ? [markerKey] : [])]);
      const head = rows.find((r) => r.rowKey === HEAD_ROW);
      const markerFound = markerKey ? rows.find((r) => r.rowKey === markerKey) : undefined;
      return {
        thread: head ? threadFromRow(head) : undefined,
        version: head?.etag as Version | undefined,
        applied: markerFound !== undefined,
        marker: markerFound ? markerProperties(markerFound) : undefined,
      };
    },

    async commit(threadId, version, change) {
      const head = headRow(change.thread);
      const actions: TransactionAction[] = [
        version ? ['update', head, 'Replace', { etag: version }] : ['create', head],
      ];
      for (const c of change.conversations ?? [])
        actions.push(['upsert', conversationRowOf(threadId, change.thread, c), 'Replace']);
      for (const m of change.newMessages ?? []) actions.push(['create', messageRowOf(threadId, m)]);
      for (const marker of change.markers ?? []) actions.push(markerAction(threadId, marker.key, marker.properties));
      return submit(client, actions);
    },

    async readMessage(threadId, conversation, m, eventId) {
      const messageKey = messageRow(conversation, m);
      const eventKey = eventId ? eventRow(eventId) : undefined;
      const rows = await rowsOf(client, threadId, [messageKey, ...(eventKey ? [eventKey] : [])]);
      const row = rows.find((r) => r.rowKey === messageKey);
      return {
        message: row ? messageFromRow(row) : undefined,
        version: row?.etag as Version | undefined,
        applied: eventKey !== undefined && rows.some((r) => r.rowKey === eventKey),
      };
    },

    async updateMessage(threadId, message, version, markers = {}) {
      const actions: TransactionAction[] = [['update', messageRowOf(threadId, message), 'Replace', { etag: version }]];
      if (markers.create) actions.push(markerAction(threadId, markers.create));
      if (markers.remove) actions.push(['delete', { partitionKey: threadId, rowKey: markerRow(markers.remove) }]);
      return submit(client, actions);
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
