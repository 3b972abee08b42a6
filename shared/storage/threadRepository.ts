import type { TableClient, TransactionAction } from '@azure/data-tables';

import type { ConversationRecord, MessageRecord, ThreadRecord } from '../domain/thread';
import { conversationRow, eventRow, HEAD_ROW, messageRow, odataString } from './keys';
import { isConflict, isNotFound, storageUnavailable } from './storageErrors';
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
 * The `threads` table: one partition per thread, every change one atomic batch. The head row's ETag guards a
 * change to the thread; a message's own ETag guards a status update, which does not touch the head.
 */

export interface ThreadState {
  thread?: ThreadRecord;
  etag?: string;
  /** The marker row asked for exists (an event applied before, an idempotency key taken). */
  applied: boolean;
  marker?: Record<string, unknown>;
}

export interface ThreadChange {
  thread: ThreadRecord;
  conversations?: ConversationRecord[];
  newMessages?: MessageRecord[];
  /** Markers created in the same batch (`evt-…`, `key-…`): a second attempt to create one fails the batch. */
  markers?: Array<{ rowKey: string; properties?: Record<string, string | number | boolean> }>;
}

export interface MessageState {
  message?: MessageRecord;
  etag?: string;
  applied: boolean;
}

export type CommitResult = 'committed' | 'conflict';

export interface ThreadRepository {
  /** The head and, when given, a marker row (`evt-…`, `key-…`), in one query. */
  read(threadId: string, markerRowKey?: string): Promise<ThreadState>;
  /** Creates the head when `etag` is undefined, else replaces it only if unchanged. */
  commit(threadId: string, etag: string | undefined, change: ThreadChange): Promise<CommitResult>;
  readMessage(threadId: string, conversation: number, m: number, eventId?: string): Promise<MessageState>;
  /** Replaces a message if unchanged; in the same batch creates a marker and/or deletes one. */
  updateMessage(
    threadId: string,
    message: MessageRecord,
    etag: string,
    markers?: { create?: string; remove?: string },
  ): Promise<CommitResult>;
  getConversation(threadId: string, n: number): Promise<ConversationRecord | undefined>;
  listMessages(threadId: string, conversation: number): Promise<MessageRecord[]>;
}

async function queryRows(client: TableClient, filter: string): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  try {
    for await (const row of client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) rows.push(row);
  } catch (error) {
    throw storageUnavailable(error);
  }
  return rows;
}

async function submit(client: TableClient, actions: TransactionAction[]): Promise<CommitResult> {
  try {
    await client.submitTransaction(actions);
    return 'committed';
  } catch (error) {
    if (isConflict(error)) return 'conflict';
    throw storageUnavailable(error);
  }
}

export function createThreadRepository(client: TableClient): ThreadRepository {
  const markerAction = (
    threadId: string,
    rowKey: string,
    properties: Record<string, unknown> = {},
  ): TransactionAction => ['create', { partitionKey: threadId, rowKey, ...properties }];

  return {
    async read(threadId, markerRowKey) {
      const keys = [HEAD_ROW, ...(markerRowKey ? [markerRowKey] : [])];
      const filter = `PartitionKey eq ${odataString(threadId)} and (${keys.map((k) => `RowKey eq ${odataString(k)}`).join(' or ')})`;
      const rows = await queryRows(client, filter);
      const head = rows.find((r) => r.rowKey === HEAD_ROW);
      const marker = markerRowKey ? rows.find((r) => r.rowKey === markerRowKey) : undefined;
      return {
        thread: head ? threadFromRow(head) : undefined,
        etag: head?.etag,
        applied: marker !== undefined,
        marker,
      };
    },

    async commit(threadId, etag, change) {
      const head = headRow(change.thread);
      const actions: TransactionAction[] = [etag ? ['update', head, 'Replace', { etag }] : ['create', head]];
      for (const c of change.conversations ?? [])
        actions.push(['upsert', conversationRowOf(threadId, change.thread, c), 'Replace']);
      for (const m of change.newMessages ?? []) actions.push(['create', messageRowOf(threadId, m)]);
      for (const marker of change.markers ?? []) actions.push(markerAction(threadId, marker.rowKey, marker.properties));
      return submit(client, actions);
    },

    async readMessage(threadId, conversation, m, eventId) {
      const keys = [messageRow(conversation, m), ...(eventId ? [eventRow(eventId)] : [])];
      const filter = `PartitionKey eq ${odataString(threadId)} and (${keys.map((k) => `RowKey eq ${odataString(k)}`).join(' or ')})`;
      const rows = await queryRows(client, filter);
      const row = rows.find((r) => r.rowKey === keys[0]);
      return {
        message: row ? messageFromRow(row) : undefined,
        etag: row?.etag,
        applied: eventId !== undefined && rows.some((r) => r.rowKey === eventRow(eventId)),
      };
    },

    async updateMessage(threadId, message, etag, markers = {}) {
      const actions: TransactionAction[] = [['update', messageRowOf(threadId, message), 'Replace', { etag }]];
      if (markers.create) actions.push(markerAction(threadId, markers.create));
      if (markers.remove) actions.push(['delete', { partitionKey: threadId, rowKey: markers.remove }]);
      return submit(client, actions);
    },

    async getConversation(threadId, n) {
      try {
        return conversationFromRow(await client.getEntity<Record<string, unknown>>(threadId, conversationRow(n)));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw storageUnavailable(error);
      }
    },

    async listMessages(threadId, conversation) {
      const prefix = messageRow(conversation, 0).slice(0, -6);
      const filter = `PartitionKey eq ${odataString(threadId)} and RowKey ge ${odataString(prefix)} and RowKey lt ${odataString(prefix + '~')}`;
      return (await queryRows(client, filter)).map(messageFromRow);
    },
  };
}
