import type { ConversationRecord, MessageRecord, ThreadRecord } from '../domain/thread';

/**
 * The thread store: a thread, its conversations and their messages, each change applied whole or not at all.
 * The thread's version guards a change to the thread; a message's own version guards a status update, which
 * leaves the thread alone. Markers record what already happened, so that a redelivered event or a retried
 * request is recognised: an event applied, an idempotency key taken.
 */

/** Opaque: only ever handed back to the store that gave it out, to say "unchanged since I read it". */
export type Version = string & { readonly __brand: 'Version' };

/** A marker is addressed by what it records. */
export type MarkerKey = { event: string } | { idempotencyKey: string };

/** What a marker remembers, so that a redelivery or a retry can answer as the first time did. */
export type MarkerProperties = Record<string, string | number | boolean>;

export interface ThreadState {
  thread?: ThreadRecord;
  /** Absent while the thread does not exist. */
  version?: Version;
  /** The marker asked for exists. */
  applied: boolean;
  marker?: MarkerProperties;
}

export interface ThreadChange {
  thread: ThreadRecord;
  /** Written whole, created or replaced. */
  conversations?: ConversationRecord[];
  /** Created: a message that exists already makes the commit conflict. */
  newMessages?: MessageRecord[];
  /** Created: a marker that exists already makes the commit conflict (the event was applied meanwhile). */
  markers?: Array<{ key: MarkerKey; properties?: MarkerProperties }>;
}

export interface MessageState {
  message?: MessageRecord;
  version?: Version;
  /** The event asked about has a marker (it was applied to this thread before). */
  applied: boolean;
}

export type CommitResult = 'committed' | 'conflict';

/** A commit's outcome with the version each new message took, so the next update of one needs no read. */
export type CommitWithVersions = { result: 'committed'; messageVersions: Version[] } | { result: 'conflict' };

export interface ThreadStore {
  /** The thread and, when asked for, one marker: by their keys, never by scanning the thread's history. */
  read(threadId: string, marker?: MarkerKey): Promise<ThreadState>;
  /**
   * Without a version, creates the thread (a thread that exists meanwhile is a conflict); with one, replaces it
   * only if unchanged since that version. A version always comes from a read: replacing a thread that does not
   * exist fails.
   */
  commit(threadId: string, version: Version | undefined, change: ThreadChange): Promise<CommitResult>;
  /** `commit`, answering also the versions of `newMessages`, in their order. */
  commitWithVersions(threadId: string, version: Version | undefined, change: ThreadChange): Promise<CommitWithVersions>;
  /** One message and, when an event id is given, whether that event was applied. */
  readMessage(threadId: string, conversation: number, m: number, eventId?: string): Promise<MessageState>;
  /**
   * Replaces a message if unchanged since `version`; with it, creates a marker (one that exists is a conflict)
   * and/or removes one (which must exist). A message that does not exist fails.
   */
  updateMessage(
    threadId: string,
    message: MessageRecord,
    version: Version,
    markers?: { create?: MarkerKey; remove?: MarkerKey },
  ): Promise<CommitResult>;
  getConversation(threadId: string, n: number): Promise<ConversationRecord | undefined>;
  /**
   * Creates a marker on its own, beside the head and untouched by its version: what a reaction records of work it
   * did outside the thread (a message posted to Dynamics), so that a redelivery knows. `exists` when it was there.
   */
  mark(threadId: string, marker: MarkerKey): Promise<'marked' | 'exists'>;
}
