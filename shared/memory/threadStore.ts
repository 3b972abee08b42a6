import type { ThreadStore } from '../ports/threadStore';
import { copy, markerKey, messageKey, missing, type ThreadPartitions } from './threadPartitions';

/**
 * The thread store in memory. A change is checked whole before any of it is applied, so it commits or
 * conflicts as one batch does on Table Storage; nothing awaits in between, so no other change interleaves.
 */
export function createMemoryThreadStore(threads: ThreadPartitions): ThreadStore {
  const commitWithVersions: ThreadStore['commitWithVersions'] = async (threadId, version, change) => {
    const partition = threads.of(threadId);
    if (version === undefined) {
      if (partition.head) return { result: 'conflict' };
    } else if (!partition.head) {
      throw missing(`Thread ${threadId}`);
    } else if (partition.head.version !== version) {
      return { result: 'conflict' };
    }
    const messages = change.newMessages ?? [];
    const markers = change.markers ?? [];
    if (messages.some((m) => partition.messages.has(messageKey(m.conversation, m.m)))) return { result: 'conflict' };
    if (markers.some((marker) => partition.markers.has(markerKey(marker.key)))) return { result: 'conflict' };

    const { account, supportNumber, customerNumber } = change.thread;
    partition.head = { thread: copy(change.thread), version: threads.nextVersion() };
    for (const conversation of change.conversations ?? []) {
      partition.conversations.set(conversation.n, {
        threadId,
        account,
        supportNumber,
        customerNumber,
        conversation: copy(conversation),
      });
    }
    const messageVersions = messages.map((message) => {
      const version = threads.nextVersion();
      partition.messages.set(messageKey(message.conversation, message.m), { message: copy(message), version });
      return version;
    });
    for (const marker of markers) partition.markers.set(markerKey(marker.key), copy(marker.properties ?? {}));
    return { result: 'committed', messageVersions };
  };

  return {
    async read(threadId, marker) {
      const partition = threads.of(threadId);
      const found = marker ? partition.markers.get(markerKey(marker)) : undefined;
      return {
        thread: copy(partition.head?.thread),
        version: partition.head?.version,
        applied: found !== undefined,
        marker: copy(found),
      };
    },

    commit: async (threadId, version, change) => (await commitWithVersions(threadId, version, change)).result,
    commitWithVersions,

    async readMessage(threadId, conversation, m, eventId) {
      const partition = threads.of(threadId);
      const stored = partition.messages.get(messageKey(conversation, m));
      return {
        message: copy(stored?.message),
        version: stored?.version,
        applied: eventId ? partition.markers.has(markerKey({ event: eventId })) : false,
      };
    },

    async updateMessage(threadId, message, version, markers = {}) {
      const partition = threads.of(threadId);
      const key = messageKey(message.conversation, message.m);
      const stored = partition.messages.get(key);
      if (!stored) throw missing(`Message ${key} of thread ${threadId}`);
      if (stored.version !== version) return 'conflict';
      if (markers.create && partition.markers.has(markerKey(markers.create))) return 'conflict';
      if (markers.remove && !partition.markers.has(markerKey(markers.remove))) throw missing('The marker');

      partition.messages.set(key, { message: copy(message), version: threads.nextVersion() });
      if (markers.create) partition.markers.set(markerKey(markers.create), {});
      if (markers.remove) partition.markers.delete(markerKey(markers.remove));
      return 'committed';
    },

    async getConversation(threadId, n) {
      return copy(threads.of(threadId).conversations.get(n)?.conversation);
    },

    async mark(threadId, marker) {
      const markers = threads.of(threadId).markers;
      if (markers.has(markerKey(marker))) return 'exists';
      markers.set(markerKey(marker), {});
      return 'marked';
    },
  };
}
