import type { MessageRecord, ThreadRecord } from '../domain/thread';
import { AppError } from '../errors';
import type { ConversationView } from '../ports/conversationReader';
import type { MarkerKey, MarkerProperties, Version } from '../ports/threadStore';

/**
 * The threads as the in-memory thread store and conversation reader share them: one partition per thread, as
 * on Table Storage, so that a change to a thread is applied to one place at once. Values are copied in and out,
 * so that nobody holding a record changes what is stored.
 */
export interface ThreadPartition {
  head?: { thread: ThreadRecord; version: Version };
  /** Each conversation with its thread's numbers, as they were when it was last written. */
  conversations: Map<number, ConversationView>;
  messages: Map<string, { message: MessageRecord; version: Version }>;
  markers: Map<string, MarkerProperties>;
}

export interface ThreadPartitions {
  /** The partition of a thread, created empty on first use. */
  of(threadId: string): ThreadPartition;
  nextVersion(): Version;
}

export const messageKey = (conversation: number, m: number) => `${conversation}.${m}`;
export const markerKey = (key: MarkerKey) => ('event' in key ? `event ${key.event}` : `key ${key.idempotencyKey}`);

/** What the Table adapter answers when a write names a row that is not there: it is refused, not a conflict. */
export const missing = (what: string) =>
  new AppError('storage_unavailable', `${what} does not exist, so it cannot be replaced or removed.`);

export const copy = <T>(value: T): T => structuredClone(value);

export function createThreadPartitions(): ThreadPartitions {
  const partitions = new Map<string, ThreadPartition>();
  let version = 0;
  return {
    of(threadId) {
      let partition = partitions.get(threadId);
      if (!partition) {
        partition = { conversations: new Map(), messages: new Map(), markers: new Map() };
        partitions.set(threadId, partition);
      }
      return partition;
    },
    nextVersion: () => String(++version) as Version,
  };
}
