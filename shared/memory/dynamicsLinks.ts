import type { DynamicsLink, DynamicsLinkStore } from '../ports/dynamicsLinks';
import { copy } from './threadPartitions';

/** The link store in memory, matching ids whatever their case as the Table adapter does. */
export function createMemoryDynamicsLinkStore(): DynamicsLinkStore {
  const links = new Map<string, DynamicsLink>();
  const keyOf = (id: string) => id.trim().toLowerCase();
  return {
    async put(link) {
      links.set(keyOf(link.dynamicsConversationId), copy(link));
    },
    async get(dynamicsConversationId) {
      return copy(links.get(keyOf(dynamicsConversationId)));
    },
  };
}
