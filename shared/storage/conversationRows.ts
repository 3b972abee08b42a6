import type { TableClient } from '@azure/data-tables';

import type { MessageRecord } from '../domain/thread';
import type { ConversationReader } from '../ports/conversationReader';
import { conversationRow, messageRow, messageRowPrefix, odataString } from './keys';
import { isNotFound, storageError } from './storageErrors';
import { conversationFromRow, messageFromRow } from './threadEntities';

/**
 * The conversation reader on the `threads` table. A `conv-<n>` row carries its thread's numbers and account, so
 * one point read answers "this conversation and who it is with".
 */
export function createConversationReader(client: TableClient): ConversationReader {
  return {
    async read(threadId, n) {
      try {
        const row = await client.getEntity<Record<string, unknown>>(threadId, conversationRow(n));
        return {
          threadId,
          account: String(row.account),
          supportNumber: String(row.supportNumber),
          customerNumber: String(row.customerNumber),
          conversation: conversationFromRow(row),
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw storageError(error, 'read a conversation');
      }
    },

    async messages(threadId, n, afterM, limit) {
      const filter = [
        `PartitionKey eq ${odataString(threadId)}`,
        `RowKey gt ${odataString(messageRow(n, afterM))}`,
        `RowKey lt ${odataString(messageRowPrefix(n) + '~')}`,
      ].join(' and ');
      const messages: MessageRecord[] = [];
      try {
        const pages = client
          .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
          .byPage({ maxPageSize: limit + 1 });
        for await (const page of pages) {
          for (const row of page) messages.push(messageFromRow(row));
          if (messages.length > limit) break;
        }
      } catch (error) {
        throw storageError(error, "read a conversation's messages");
      }
      const more = messages.length > limit;
      const taken = messages.slice(0, limit);
      return { messages: taken, lastM: more ? taken[taken.length - 1].m : undefined };
    },
  };
}
