import { newestActivityFirst } from '../domain/conversationActivity';
import type { ConversationState } from '../domain/conversationState';
import type { ConversationIndex, Cursor, IndexEntry } from '../ports/conversationIndex';

/** Where a listing stopped in each state it reads: handed back, it reads on from there. */
export type ListingPosition = Partial<Record<ConversationState, Cursor>>;

export interface ListingOptions {
  queue?: string;
  after: ListingPosition;
  /** How many entries each state reads at once. */
  pageSize: number;
}

export interface MergedListing {
  /** Up to `count` more entries, in listing order across the states. */
  take(count: number): Promise<IndexEntry[]>;
  /** Where each state stopped: `after` as given, moved past every entry taken. */
  position(): ListingPosition;
  /** Whether an entry follows the ones taken. */
  hasMore(): Promise<boolean>;
}

/**
 * The index entries of several states as one listing, newest activity first: each state reads in that order
 * already, so the listing takes, again and again, the first of the states' next entries.
 */
export function mergeStates(
  index: ConversationIndex,
  states: readonly ConversationState[],
  options: ListingOptions,
): MergedListing {
  const streams = states.map((state) => ({
    state,
    entries: index
      .scan(state, { queue: options.queue, after: options.after[state], pageSize: options.pageSize })
      [Symbol.asyncIterator](),
    head: undefined as IndexEntry | undefined,
    done: false,
  }));
  const position: ListingPosition = { ...options.after };
  const prime = () =>
    Promise.all(
      streams.map(async (s) => {
        if (s.head || s.done) return;
        const next = await s.entries.next();
        if (next.done) s.done = true;
        else s.head = next.value;
      }),
    );

  return {
    async take(count) {
      const taken: IndexEntry[] = [];
      while (taken.length < count) {
        await prime();
        const first = streams.filter((s) => s.head).sort((a, b) => newestActivityFirst(a.head!, b.head!))[0];
        if (!first) break;
        taken.push(first.head!);
        position[first.state] = first.head!.cursor;
        first.head = undefined;
      }
      return taken;
    },
    position: () => ({ ...position }),
    async hasMore() {
      await prime();
      return streams.some((s) => s.head);
    },
  };
}
