import type { ConversationReader } from '../ports/conversationReader';
import { copy, type ThreadPartitions } from './threadPartitions';

/** The conversation reader in memory, over the thread store's partitions. */
export function createMemoryConversationReader(threads: ThreadPartitions): ConversationReader {
  return {
    async read(threadId, n) {
      return copy(threads.of(threadId).conversations.get(n));
    },

    async messages(threadId, n, afterM, limit) {
      const following = [...threads.of(threadId).messages.values()]
        .map((stored) => stored.message)
        .filter((message) => message.conversation === n && message.m > afterM)
        .sort((a, b) => a.m - b.m);
      const taken = following.slice(0, limit).map(copy);
      return { messages: taken, lastM: following.length > limit ? taken[taken.length - 1].m : undefined };
    },
  };
}
