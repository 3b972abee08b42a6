import type { TableClient } from '@azure/data-tables';

import type { DynamicsLink, DynamicsLinkStore } from '../ports/dynamicsLinks';
import { encodeKey } from './keys';
import { isNotFound, storageError } from './storageErrors';

/**
 * The link store on the `dynamicsLinks` table: one row per Dynamics conversation, keyed by its id lower-cased
 * (Dynamics writes GUIDs in either case, docs/dynamics-protocol.md §5), so a webhook finds it with one point read.
 */
const LINK_ROW = 'link';
const partitionOf = (dynamicsConversationId: string) => encodeKey(dynamicsConversationId.trim().toLowerCase());

export function createDynamicsLinkStore(client: TableClient): DynamicsLinkStore {
  return {
    async put(link) {
      try {
        await client.upsertEntity(
          {
            partitionKey: partitionOf(link.dynamicsConversationId),
            rowKey: LINK_ROW,
            dynamicsConversationId: link.dynamicsConversationId,
            threadId: link.threadId,
            conversation: link.conversation,
            linkedAt: link.linkedAt,
          },
          'Replace',
        );
      } catch (error) {
        throw storageError(error, 'record a Dynamics link');
      }
    },

    async get(dynamicsConversationId): Promise<DynamicsLink | undefined> {
      try {
        const row = await client.getEntity<Record<string, unknown>>(partitionOf(dynamicsConversationId), LINK_ROW);
        return {
          dynamicsConversationId: String(row.dynamicsConversationId),
          threadId: String(row.threadId),
          conversation: Number(row.conversation),
          linkedAt: String(row.linkedAt),
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw storageError(error, 'read a Dynamics link');
      }
    },
  };
}
