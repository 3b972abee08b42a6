import { conversationChangedEvent } from '../domain/channelEventsOf';
import { isFiledAs } from '../domain/conversationActivity';
import { type ConversationAction, conversationStates, transition } from '../domain/conversationState';
import { listsFromSnapshot } from '../domain/indexSnapshot';
import {
  CONVERSATION_NOTES_MAX,
  type ConversationNote,
  type ConversationRecord,
  parseConversationId,
} from '../domain/thread';
import type { Logger } from '../log';
import { failure, type Outcome, success } from '../outcome';
import type { ConsentStore } from '../ports/consentStore';
import type { ConversationIndex, IndexEntry } from '../ports/conversationIndex';
import type { ConversationReader, ConversationView } from '../ports/conversationReader';
import type { ThreadStore } from '../ports/threadStore';
import { decodeListToken, decodeMessagesToken, encodeToken } from './continuationToken';
import { type ListingPosition, mergeStates } from './conversationListing';
import type { ListQuery, PageQuery } from './conversationRequests';
import {
  type Conversation,
  type ConversationDetail,
  conversationDetailOf,
  conversationOf,
  type Message,
  messageOf,
} from './conversationViews';
import { done, withOptimisticRetry } from './optimisticRetry';
import type { WithEvents } from './reactions';

export interface ConversationDeps {
  threads: ThreadStore;
  conversations: ConversationReader;
  index: ConversationIndex;
  consent: ConsentStore;
  now: () => Date;
  logger: Logger;
  /**
   * Whether the `conversation-index` reaction keeps every entry current (the channel events topic feeds it): the
   * listing then answers from the entries' snapshots alone, in every state (domain/indexSnapshot.ts).
   */
  indexKeptCurrent?: boolean;
}

export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

const notFound = (id: string) =>
  failure<never>('conversation_not_found', `There is no conversation ${JSON.stringify(id)}.`);

/**
 * Newest activity first, from the index: one query per state read, whatever the page size. An entry whose
 * snapshot shows its conversation as it is (listsFromSnapshot: every one while the index is kept current, a closed
 * one otherwise) is the item, and costs no other read; any other is checked against its
 * conversation row (the truth): an entry the row disagrees with is repaired and the row decides whether the
 * conversation belongs in this answer (docs/architecture.md §conversationIndex). With no state given, the
 * states' entries are merged into one listing (conversationListing.ts); a conversation met twice (a move whose
 * old entry's delete was lost) is listed once, under its newest entry.
 */
export async function listConversations(
  query: ListQuery,
  deps: ConversationDeps,
): Promise<Outcome<Page<Conversation>>> {
  let after: ListingPosition = {};
  if (query.continuationToken !== undefined) {
    const cursor = decodeListToken(query.continuationToken);
    if (!cursor || cursor.state !== query.state || cursor.queue !== query.queue) {
      return failure(
        'invalid_request',
        'continuationToken was not given out by this listing (same state and queue), or it was altered.',
      );
    }
    after = cursor.after;
  }
  const states = query.state ? [query.state] : [...conversationStates];
  const listing = mergeStates(deps.index, states, { queue: query.queue, after, pageSize: query.limit + 1 });

  const items: Conversation[] = [];
  const seen = new Set<string>();
  while (items.length < query.limit) {
    const batch = await listing.take(query.limit - items.length);
    if (batch.length === 0) break;
    const views = await Promise.all(batch.map((entry) => listedView(entry, deps)));
    for (const view of views) {
      if (!view || !states.includes(view.conversation.state)) continue;
      if (query.queue !== undefined && view.conversation.queue !== query.queue) continue;
      const item = conversationOf(view);
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      items.push(item);
    }
  }
  const more = await listing.hasMore();
  return success({
    items,
    continuationToken: more
      ? encodeToken({ k: 'list', state: query.state, queue: query.queue, after: listing.position() })
      : undefined,
  });
}

/** The item an entry stands for: its snapshot when that is the conversation as it is, else the row's. */
function listedView(
  entry: IndexEntry,
  deps: Pick<ConversationDeps, 'conversations' | 'index' | 'logger' | 'indexKeptCurrent'>,
) {
  if (entry.snapshot && listsFromSnapshot(entry.state, deps.indexKeptCurrent)) {
    const view: ConversationView = { threadId: entry.threadId, ...entry.snapshot };
    return Promise.resolve(view);
  }
  return checkEntry(entry, deps);
}

/**
 * Reads the row an entry points to and repairs the entry when the row calls for another one. An entry that is
 * right but has no snapshot (written before snapshots, or by a writer without the parties) gets one when it
 * would list from it, so it costs this read once.
 */
export async function checkEntry(
  entry: IndexEntry,
  deps: Pick<ConversationDeps, 'conversations' | 'index' | 'logger' | 'indexKeptCurrent'>,
): Promise<ConversationView | undefined> {
  const view = await deps.conversations.read(entry.threadId, entry.n);
  if (!view) {
    await deps.index.remove(entry);
    deps.logger.warn('index entry without a conversation removed', { conversationId: entry.conversationId });
    return undefined;
  }
  if (isFiledAs(entry, view.conversation)) {
    if (!entry.snapshot && listsFromSnapshot(entry.state, deps.indexKeptCurrent))
      await deps.index.put(entry.threadId, view.conversation, view);
  } else {
    await deps.index.put(entry.threadId, view.conversation, view);
    await deps.index.remove(entry);
    deps.logger.info('stale index entry repaired', {
      conversationId: entry.conversationId,
      indexed: entry.state,
      actual: view.conversation.state,
    });
  }
  return view;
}

export async function getConversation(id: string, deps: ConversationDeps): Promise<Outcome<ConversationDetail>> {
  const parsed = parseConversationId(id);
  if (!parsed) return notFound(id);
  const view = await deps.conversations.read(parsed.threadId, parsed.n);
  if (!view) return notFound(id);
  return success(conversationDetailOf(view, await deps.consent.get(view.account, view.customerNumber)));
}

/** Oldest first: the order an agent reads a conversation in. */
export async function listMessages(
  id: string,
  query: PageQuery,
  deps: ConversationDeps,
): Promise<Outcome<Page<Message>>> {
  const parsed = parseConversationId(id);
  if (!parsed) return notFound(id);
  let afterM = 0;
  if (query.continuationToken !== undefined) {
    const cursor = decodeMessagesToken(query.continuationToken);
    if (!cursor || cursor.id !== id)
      return failure(
        'invalid_request',
        "continuationToken was not given out for this conversation's messages, or it was altered.",
      );
    afterM = cursor.m;
  }
  const view = await deps.conversations.read(parsed.threadId, parsed.n);
  if (!view) return notFound(id);
  const page = await deps.conversations.messages(parsed.threadId, parsed.n, afterM, query.limit);
  return success({
    items: page.messages.map((m) => messageOf(parsed.threadId, m)),
    continuationToken: page.lastM === undefined ? undefined : encodeToken({ k: 'messages', id, m: page.lastM }),
  });
}

export interface ChangeOptions {
  /** Checked on the row inside the optimistic loop: false leaves the conversation as it is (auto-close). */
  onlyIf?: (conversation: ConversationRecord) => boolean;
}

export type Changed = { changed: true; conversation: ConversationDetail } | { changed: false; view: ConversationView };

type Attempted =
  | { kind: 'refused'; outcome: Outcome<never> }
  | { kind: 'unchanged'; view: ConversationView }
  | { kind: 'changed'; before: ConversationRecord; view: ConversationView };

/**
 * assign, wait, close: the domain's transition applied under the thread's version, then the index moved.
 * Only a thread's latest conversation can be other than closed, so an older one answers with its own state.
 * A change is one `conversation.state_changed` event; a refusal or a conversation left as it was, none.
 */
export async function changeConversation(
  id: string,
  action: ConversationAction,
  deps: ConversationDeps,
  options: ChangeOptions = {},
): Promise<WithEvents<Outcome<Changed>>> {
  const parsed = parseConversationId(id);
  if (!parsed) return { result: notFound(id), events: [] };
  const { threadId, n } = parsed;

  const result = await withOptimisticRetry<Attempted>(async () => {
    const state = await deps.threads.read(threadId);
    const thread = state.thread;
    const latest = thread?.conversation;
    if (!thread || !latest || n > latest.n) return done({ kind: 'refused', outcome: notFound(id) });
    if (n < latest.n) {
      const older = await deps.conversations.read(threadId, n);
      return done({ kind: 'refused', outcome: older ? refuse(older.conversation, action) : notFound(id) });
    }
    const view: ConversationView = {
      threadId,
      account: thread.account,
      supportNumber: thread.supportNumber,
      customerNumber: thread.customerNumber,
      conversation: latest,
    };
    if (options.onlyIf && !options.onlyIf(latest)) return done({ kind: 'unchanged', view });

    const moved = transition(latest, action);
    if (!moved.ok) return done({ kind: 'refused', outcome: refuse(latest, action) });
    const now = deps.now().toISOString();
    const conversation: ConversationRecord = {
      ...latest,
      state: moved.state,
      agentId: moved.agentId,
      updatedAt: now,
      ...(action.kind === 'close' ? { closedAt: now, closeReason: action.reason } : {}),
      ...detailsOf(latest, action, now),
    };
    const outcome = await deps.threads.commit(threadId, state.version, {
      thread: { ...thread, conversation, updatedAt: now },
      conversations: [conversation],
    });
    if (outcome === 'conflict') return { committed: false };
    return done({ kind: 'changed', before: latest, view: { ...view, conversation } });
  });
  if (result.kind === 'refused') return { result: result.outcome, events: [] };
  if (result.kind === 'unchanged') return { result: success({ changed: false, view: result.view }), events: [] };

  const { before, view } = result;
  await moveIndexEntry(before, view, deps);
  deps.logger.info('conversation changed', {
    conversationId: id,
    action: action.kind,
    from: before.state,
    to: view.conversation.state,
  });
  const consent = await deps.consent.get(view.account, view.customerNumber);
  return {
    result: success({ changed: true, conversation: conversationDetailOf(view, consent) }),
    // A note changes no state, so it is no state_changed event.
    events:
      action.kind === 'note'
        ? []
        : [
            conversationChangedEvent(
              { threadId, account: view.account },
              before,
              view.conversation,
              // An accept is an assignment whose agent is not known yet.
              action.kind === 'accept' ? 'assign' : action.kind,
            ),
          ],
  };
}

/**
 * An assignment names its agent (a new agent without a name drops the old one's name); a note joins the
 * timeline, which keeps its latest CONVERSATION_NOTES_MAX entries only.
 */
function detailsOf(
  latest: ConversationRecord,
  action: ConversationAction,
  now: string,
): Pick<ConversationRecord, 'agentName' | 'notes'> {
  if (action.kind === 'assign') return { agentName: action.agentName };
  if (action.kind !== 'note') return {};
  const note: ConversationNote = {
    at: now,
    event: action.event,
    ...(action.agentId ? { agentId: action.agentId } : {}),
    ...(action.agentName ? { agentName: action.agentName } : {}),
  };
  return { notes: [...(latest.notes ?? []), note].slice(-CONVERSATION_NOTES_MAX) };
}

/**
 * The change is committed whatever happens here: a failed index write leaves the old entry, which the next
 * reader of its state (an agent's listing, the auto-close timer) repairs. Failing the request instead would
 * make the caller retry a transition that already happened.
 */
async function moveIndexEntry(before: ConversationRecord, after: ConversationView, deps: ConversationDeps) {
  try {
    await deps.index.record(after.threadId, before, after.conversation, after);
  } catch (error) {
    deps.logger.warn('conversation index not updated; a reader will repair it', {
      threadId: after.threadId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

function refuse(current: ConversationRecord, action: ConversationAction): Outcome<never> {
  const moved = transition(current, action);
  const message = moved.ok ? `cannot ${action.kind} this conversation` : moved.message;
  return failure('invalid_transition', message, { state: current.state });
}
