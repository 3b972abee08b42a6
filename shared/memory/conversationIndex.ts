import { activityOf, newestActivityFirst } from '../domain/conversationActivity';
import { type ConversationState, conversationStates } from '../domain/conversationState';
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
  // Where each conversation is filed in each state, as the Table adapter's locator rows say it.
  const located = new Map<ConversationState, Map<string, Cursor>>();
  const entriesOf = (state: ConversationState) => {
    let entries = states.get(state);
    if (!entries) states.set(state, (entries = new Map()));
    return entries;
  };
  const locatorsOf = (state: ConversationState) => {
    let locators = located.get(state);
    if (!locators) located.set(state, (locators = new Map()));
    return locators;
  };

  /** Files the conversation under its entry, and removes the entry it was filed under in each state of `lookIn`. */
  function file(
    threadId: string,
    c: ConversationRecord,
    parties: ThreadParties | undefined,
    lookIn: readonly ConversationState[],
  ) {
    const entry = copy(entryOf(threadId, c, parties));
    for (const state of new Set([...lookIn, entry.state])) {
      const filed = locatorsOf(state).get(entry.conversationId);
      if (filed === undefined || (state === entry.state && filed === entry.cursor)) continue;
      entriesOf(state).delete(filed);
      locatorsOf(state).delete(entry.conversationId);
    }
    entriesOf(entry.state).set(entry.cursor, entry);
    locatorsOf(entry.state).set(entry.conversationId, entry.cursor);
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
      const isNew = !before || before.n !== after.n;
      // A new conversation's locator is created: one already there (a replayed start) means looking everywhere.
      const lookIn = isNew
        ? conversationStates.filter((s) => locatorsOf(s).has(conversationIdOf(threadId, after.n)))
        : [before.state, after.state];
      file(threadId, after, parties, lookIn);
    },
    async put(threadId, conversation, parties) {
      file(threadId, conversation, parties, conversationStates);
    },
    async remove(entry) {
      entriesOf(entry.state).delete(entry.cursor);
      if (locatorsOf(entry.state).get(entry.conversationId) === entry.cursor)
        locatorsOf(entry.state).delete(entry.conversationId);
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
