import { findAccount, type TelesignAccount } from '../config';
import { inboundMessageEvents } from '../domain/channelEventsOf';
import type { ConsentSignal } from '../domain/consent';
import { movesIndexEntry } from '../domain/conversationActivity';
import type { CallbackUnrecognized, InboundEvent, MessageReceived } from '../domain/inboundEvent';
import { applyInboundMessage, type InboundPlan } from '../domain/inboundMessage';
import type { RoutingRules } from '../domain/routingRules';
import { conversationIdOf, type ConversationRecord, type ThreadRecord } from '../domain/thread';
import { type Logger, maskPhone } from '../log';
import type { ConsentRecord, ConsentStore } from '../ports/consentStore';
import type { ConversationIndex } from '../ports/conversationIndex';
import type { ConversationReader } from '../ports/conversationReader';
import type { ReferenceStore } from '../ports/referenceStore';
import type { MarkerProperties, ThreadStore } from '../ports/threadStore';
import type { UnrecognizedStore } from '../ports/unrecognizedStore';
import { parseTelesignTime } from '../telesign/time';
import { handleReport, type ReportResult } from './deliveryReports';
import { consentSetBy, inboundMarkerOf, replayInbound } from './inboundReplay';
import { done, withOptimisticRetry } from './optimisticRetry';
import type { WithEvents } from './reactions';

export interface RouteDeps {
  threads: ThreadStore;
  consent: ConsentStore;
  references: ReferenceStore;
  unrecognized: UnrecognizedStore;
  rules: RoutingRules;
  accounts: readonly TelesignAccount[];
  now: () => Date;
  logger: Logger;
  /** The conversations index (docs/architecture.md §Storage); without it the router keeps only the threads. */
  index?: ConversationIndex;
  /** Lets a redelivered event find its message when its marker predates markers that keep the message number. */
  conversations?: ConversationReader;
}

export type RouteResult =
  | {
      kind: 'message';
      conversationId: string;
      messageNumber: number;
      startedConversation: boolean;
      consent: ConsentSignal;
    }
  | { kind: 'duplicate'; eventId: string; applied?: { conversationId: string; startedConversation: boolean } }
  | ReportResult
  | { kind: 'unrecognized_stored'; eventId: string };

/**
 * Applies one event to the conversation model (docs/architecture.md §Flows) and returns the channel events it
 * produced. Throwing leaves it to redelivery.
 */
export async function routeEvent(event: InboundEvent, deps: RouteDeps): Promise<WithEvents<RouteResult>> {
  switch (event.type) {
    case 'message.received':
      return routeMessage(event, deps);
    case 'delivery.reported':
      return handleReport(event, deps);
    case 'callback.unrecognized':
      return storeUnrecognized(event, deps);
  }
}

type Attempted =
  | { kind: 'applied'; plan: InboundPlan; before?: ConversationRecord }
  | { kind: 'duplicate'; thread?: ThreadRecord; marker?: MarkerProperties };

async function routeMessage(event: MessageReceived, deps: RouteDeps): Promise<WithEvents<RouteResult>> {
  const account = findAccount(deps.accounts, event.account);
  const language = account?.supportNumbers.find((n) => n.number === event.to)?.defaultLanguage;

  let consentSet: ConsentRecord | undefined;
  // The first attempt reads the head alone: the batch creates the event's marker, so a redelivered event cannot
  // commit, and only after a conflict is the marker read too (by its key: never a query, docs/architecture.md
  // §Routing). A new event, the common case, costs one point read and one batch.
  const attempted = await withOptimisticRetry<Attempted>(async (n) => {
    const state = await deps.threads.read(event.threadId, n > 1 ? { event: event.eventId } : undefined);
    if (state.applied) return done({ kind: 'duplicate', thread: state.thread, marker: state.marker });

    const plan = applyInboundMessage(state.thread, event, {
      rules: deps.rules,
      language,
      now: deps.now().toISOString(),
    });
    // Consent spans threads, so it cannot join the thread's batch. It is written first and is idempotent:
    // if we crash before the batch, the redelivered event writes it again; after the batch, it is already there.
    if (plan.consent.kind === 'opt_out' || plan.consent.kind === 'opt_in') {
      const record: ConsentRecord = {
        state: plan.consent.kind === 'opt_out' ? 'opted_out' : 'opted_in',
        eventId: event.eventId,
        keyword: plan.consent.keyword,
        at: parseTelesignTime(event.telesignTimestamp) ?? event.receivedAt,
      };
      if ((await deps.consent.apply(event.account, event.from, record)) === 'applied') consentSet = record;
    }

    const outcome = await deps.threads.commit(event.threadId, state.version, {
      thread: plan.thread,
      conversations: [plan.conversation],
      newMessages: [plan.message],
      markers: [{ key: { event: event.eventId }, properties: inboundMarkerOf(event, plan) }],
    });
    if (outcome === 'conflict') return { committed: false };
    return done({ kind: 'applied', plan, before: state.thread?.conversation });
  });

  const routed =
    attempted.kind === 'applied'
      ? await applied(event, attempted.plan, attempted.before, consentSet, deps)
      : await duplicate(event, attempted.thread, attempted.marker, deps);
  const { result } = routed;
  deps.logger.info(result.kind === 'duplicate' ? 'inbound message already applied' : 'inbound message applied', {
    eventId: event.eventId,
    referenceId: event.referenceId,
    threadId: event.threadId,
    from: maskPhone(event.from),
    ...(result.kind === 'message'
      ? {
          conversationId: result.conversationId,
          messageId: `${result.conversationId}.${result.messageNumber}`,
          started: result.startedConversation,
          consent: result.consent.kind,
        }
      : {}),
  });
  return routed;
}

/**
 * One index write when a conversation starts or changes state, none when a message joins it (the hot path).
 * A failure throws after the thread committed: the redelivered event is a duplicate, which writes the entry
 * its conversation row calls for, so a crash between the two writes converges.
 */
async function applied(
  event: MessageReceived,
  plan: InboundPlan,
  before: ConversationRecord | undefined,
  consentSet: ConsentRecord | undefined,
  deps: RouteDeps,
): Promise<WithEvents<RouteResult>> {
  if (deps.index && movesIndexEntry(before, plan.conversation)) {
    await deps.index.record(event.threadId, before, plan.conversation, plan.thread);
  }
  // A keyword whose consent write said "unchanged" may still be ours: a crash before the batch left it there.
  const consent = consentSet ?? (await consentSetBy(event, plan.message, deps.consent));
  return {
    result: {
      kind: 'message',
      conversationId: conversationIdOf(event.threadId, plan.conversation.n),
      messageNumber: plan.message.m,
      startedConversation: plan.startedConversation,
      consent: plan.consent,
    },
    events: inboundMessageEvents({
      thread: plan.thread,
      conversation: plan.conversation,
      message: plan.message,
      startedConversation: plan.startedConversation,
      moved: plan.moved,
      consent,
    }),
  };
}

async function duplicate(
  event: MessageReceived,
  thread: ThreadRecord | undefined,
  marker: MarkerProperties | undefined,
  deps: RouteDeps,
): Promise<WithEvents<RouteResult>> {
  const replayed = await replayInbound(event, marker, thread, deps);
  // The first delivery may have stopped between its commit and its index write: the entry the conversation calls
  // for now is written, and the one the first delivery filed it under (if later activity has moved it) removed, so
  // a conversation is never listed twice. A message that filed nothing (it neither started nor moved its
  // conversation) has nothing to converge.
  if (deps.index && replayed.conversation && replayed.filedAs)
    await deps.index.record(event.threadId, replayed.filedAs, replayed.conversation, thread);
  return { result: { kind: 'duplicate', eventId: event.eventId, applied: replayed.applied }, events: replayed.events };
}

async function storeUnrecognized(event: CallbackUnrecognized, deps: RouteDeps): Promise<WithEvents<RouteResult>> {
  await deps.unrecognized.save(event);
  deps.logger.warn('unrecognized callback stored for an operator', { eventId: event.eventId, reason: event.reason });
  return { result: { kind: 'unrecognized_stored', eventId: event.eventId }, events: [] };
}
