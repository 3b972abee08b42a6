import { activityOf, newestActivityFirst } from '../domain/conversationActivity';
import type { ConversationState } from '../domain/conversationState';
import { snapshotOf, type ThreadParties } from '../domain/indexSnapshot';
import { conversationIdOf, type ConversationRecord } from '../domain/thread';
import type { ConversationIndex, Cursor, IndexEntry, ScanOptions } from '../ports/conversationIndex';
import { copy } from './threadPartitions';

/**
 * The conversations index in memory: per state, the entries by their position. A scan reads page by page after
 * the last entry it gave, as a Table query follows its continuation, so entries written meanwhile behind that
 * position are seen and those before it are not.
 */

/** A position is the activity and conversation id an entry is filed under. */
const cursorOf = (activityAt: string, conversationId: string): Cursor => JSON.stringify([activityAt, conversationId]);

function positionOf(cursor: Cursor): { activityAt: string; conversationId: string } {
  const parsed: unknown = JSON.parse(cursor);
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((part) => typeof part === 'string'))
    throw new Error('not a cursor this index gave out');
  return { activityAt: parsed[0], conversationId: parsed[1] };
}

function entryOf(threadId: string, c: ConversationRecord, parties?: ThreadParties): IndexEntry {
  const conversationId = conversationIdOf(threadId, c.n);
  const entry: IndexEntry = {
    state: c.state,
    conversationId,
    threadId,
    n: c.n,
    queue: c.queue,
    activityAt: activityOf(c),
    cursor: cursorOf(activityOf(c), conversationId),
  };
  const snapshot = snapshotOf(parties, c);
  return snapshot ? { ...entry, snapshot } : entry;
}

export function createMemoryConversationIndex(): ConversationIndex {
  const states = new Map<ConversationState, Map<Cursor, IndexEntry>>();
  const entriesOf = (state: ConversationState) => {
    let entries = states.get(state);
    if (!entries) states.set(state, (entries = new Map()));
    return entries;
  };

  function put(threadId: string, c: ConversationRecord, parties?: ThreadParties) {
    const entry = copy(entryOf(threadId, c, parties));
    entriesOf(entry.state).set(entry.cursor, entry);
  }

  function page(state: ConversationState, options: ScanOptions, after: Cursor | undefined, size: number) {
    const from = after === undefined ? undefined : positionOf(after);
    return [...entriesOf(state).values()]
      .filter((e) => !from || newestActivityFirst(e, from) > 0)
      .filter((e) => !options.activityBefore || Date.parse(e.activityAt) < options.activityBefore.getTime())
      .filter((e) => options.queue === undefined || e.queue === options.queue)
      .sort(newestActivityFirst)
      .slice(0, size);
  }

  return {
    async record(threadId, before, after, parties) {
      put(threadId, after, parties);
      if (before && before.n === after.n) {
        const old = entryOf(threadId, before);
        if (old.state !== after.state || old.cursor !== entryOf(threadId, after).cursor)
          entriesOf(old.state).delete(old.cursor);
      }
    },
    async put(threadId, conversation, parties) {
      put(threadId, conversation, parties);
    },
    async remove(entry) {
      entriesOf(entry.state).delete(entry.cursor);
    },
    async *scan(state, options = {}) {
      const size = options.pageSize ?? 100;
      let after = options.after || undefined;
      for (;;) {
        const entries = page(state, options, after, size);
        for (const entry of entries) yield copy(entry);
        if (entries.length < size) return;
        after = entries[entries.length - 1].cursor;
      }
    },
  };
}
