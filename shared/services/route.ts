import { findAccount, type TelesignAccount } from '../config';
import type { ConsentSignal } from '../domain/consent';
import { shouldReplace } from '../domain/deliveryStatus';
import {
  type CallbackUnrecognized,
  type DeliveryReported,
  type InboundEvent,
  inboundEventSchema,
  type MessageReceived,
} from '../domain/inboundEvent';
import { applyInboundMessage } from '../domain/inboundMessage';
import type { RoutingRules } from '../domain/routingRules';
import { conversationIdOf, type ConversationRecord, type MessageRecord, parseConversationId } from '../domain/thread';
import { type Logger, maskPhone } from '../log';
import type { ConsentStore } from '../storage/consentStore';
import { type ConversationIndex, movesIndexEntry } from '../storage/conversationIndex';
import { eventRow } from '../storage/keys';
import { withOptimisticRetry } from '../storage/optimisticRetry';
import type { MessagePointer, ReferenceStore } from '../storage/referenceStore';
import type { ThreadRepository } from '../storage/threadRepository';
import type { UnrecognizedStore } from '../storage/unrecognizedStore';
import { statusFromCode } from '../telesign/statusCodes';
import { parseTelesignTime } from '../telesign/time';

export interface RouteDeps {
  threads: ThreadRepository;
  consent: ConsentStore;
  references: ReferenceStore;
  unrecognized: UnrecognizedStore;
  rules: RoutingRules;
  accounts: readonly TelesignAccount[];
  now: () => Date;
  logger: Logger;
  /** The conversations index (DESIGN.md §3); without it the router keeps only the threads. */
  index?: ConversationIndex;
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
  | { kind: 'report'; conversationId: string; status: MessageRecord['status']; changed: boolean }
  | { kind: 'report_pending'; referenceId: string }
  | { kind: 'unrecognized_stored'; eventId: string };

export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/**
 * The queue body as the trigger hands it over: the Functions host may give the JSON parsed, as a string or as
 * bytes. A body that is not an InboundEvent throws, so Service Bus redelivers and finally dead-letters it.
 */
export function parseQueueBody(body: unknown): InboundEvent {
  let value = body;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) value = Buffer.from(value).toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new InvalidEventError('The queue message is not JSON, so it is not an InboundEvent.');
    }
  }
  const parsed = inboundEventSchema.safeParse(value);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new InvalidEventError(`The queue message is not a valid InboundEvent: ${where}.`);
  }
  return parsed.data;
}

/** Applies one event to the conversation model (DESIGN.md §1, Routing). Throwing leaves it to redelivery. */
export async function routeEvent(event: InboundEvent, deps: RouteDeps): Promise<RouteResult> {
  switch (event.type) {
    case 'message.received':
      return routeMessage(event, deps);
    case 'delivery.reported':
      return routeReport(event, deps);
    case 'callback.unrecognized':
      return storeUnrecognized(event, deps);
  }
}

async function routeMessage(event: MessageReceived, deps: RouteDeps): Promise<RouteResult> {
  const account = findAccount(deps.accounts, event.account);
  const language = account?.supportNumbers.find((n) => n.number === event.to)?.defaultLanguage;

  let moved: { before?: ConversationRecord; after: ConversationRecord } | undefined;
  const result = await withOptimisticRetry<RouteResult>(async () => {
    const state = await deps.threads.read(event.threadId, eventRow(event.eventId));
    if (state.applied) {
      // What the first delivery did, so that follow-up work (automatic replies) can be finished on a redelivery.
      const n = Number(state.marker?.conversation);
      const applied =
        Number.isInteger(n) && n > 0
          ? { conversationId: conversationIdOf(event.threadId, n), startedConversation: state.marker?.started === true }
          : undefined;
      return { committed: true, value: { kind: 'duplicate', eventId: event.eventId, applied } };
    }

    const plan = applyInboundMessage(state.thread, event, {
      rules: deps.rules,
      language,
      now: deps.now().toISOString(),
    });
    // Consent spans threads, so it cannot join the thread's batch. It is written first and is idempotent:
    // if we crash before the batch, the redelivered event writes it again; after the batch, it is already there.
    if (plan.consent.kind === 'opt_out' || plan.consent.kind === 'opt_in') {
      await deps.consent.apply(event.account, event.from, {
        state: plan.consent.kind === 'opt_out' ? 'opted_out' : 'opted_in',
        eventId: event.eventId,
        keyword: plan.consent.keyword,
        at: parseTelesignTime(event.telesignTimestamp) ?? event.receivedAt,
      });
    }

    const outcome = await deps.threads.commit(event.threadId, state.etag, {
      thread: plan.thread,
      conversations: [plan.conversation],
      newMessages: [plan.message],
      markers: [
        {
          rowKey: eventRow(event.eventId),
          properties: { type: event.type, conversation: plan.conversation.n, started: plan.startedConversation },
        },
      ],
    });
    if (outcome === 'conflict') return { committed: false };
    moved = { before: state.thread?.conversation, after: plan.conversation };
    return {
      committed: true,
      value: {
        kind: 'message',
        conversationId: conversationIdOf(event.threadId, plan.conversation.n),
        messageNumber: plan.message.m,
        startedConversation: plan.startedConversation,
        consent: plan.consent,
      },
    };
  });

  await indexConversation(event.threadId, result, moved, deps);
  deps.logger.info(result.kind === 'duplicate' ? 'inbound message already applied' : 'inbound message applied', {
    eventId: event.eventId,
    threadId: event.threadId,
    from: maskPhone(event.from),
    ...(result.kind === 'message'
      ? { conversationId: result.conversationId, started: result.startedConversation, consent: result.consent.kind }
      : {}),
  });
  return result;
}

/**
 * One index write when a conversation starts or changes state, none when a message joins it (the hot path).
 * A failure throws after the thread committed: the redelivered event is a duplicate, which writes the entry
 * its conversation row calls for, so a crash between the two writes converges.
 */
async function indexConversation(
  threadId: string,
  result: RouteResult,
  moved: { before?: ConversationRecord; after: ConversationRecord } | undefined,
  deps: RouteDeps,
) {
  if (!deps.index) return;
  if (result.kind === 'message' && moved && movesIndexEntry(moved.before, moved.after)) {
    await deps.index.record(threadId, moved.before, moved.after);
  } else if (result.kind === 'duplicate' && result.applied) {
    const id = parseConversationId(result.applied.conversationId);
    const conversation = id && (await deps.threads.getConversation(threadId, id.n));
    if (conversation) await deps.index.put(threadId, conversation);
  }
}

async function routeReport(event: DeliveryReported, deps: RouteDeps): Promise<RouteResult> {
  let pointer = await deps.references.get(event.referenceId);
  if (!pointer) {
    // The send may still be recording this reference: park the report where the send will look for it,
    // then look once more, in case the send recorded it meanwhile.
    await deps.references.addPending(event);
    pointer = await deps.references.get(event.referenceId);
    if (!pointer) {
      deps.logger.info('delivery report parked until its reference is recorded', {
        eventId: event.eventId,
        referenceId: event.referenceId,
      });
      return { kind: 'report_pending', referenceId: event.referenceId };
    }
    const result = await applyReport(pointer, event, deps);
    await deps.references.removePending(event);
    return result;
  }
  return applyReport(pointer, event, deps);
}

/** Applies a report to the message it points to; shared by the router and by the send path's catch-up. */
export async function applyReport(
  pointer: MessagePointer,
  event: DeliveryReported,
  deps: Pick<RouteDeps, 'threads' | 'logger'>,
): Promise<RouteResult> {
  const conversationId = conversationIdOf(pointer.threadId, pointer.conversation);
  const result = await withOptimisticRetry<RouteResult>(async () => {
    const state = await deps.threads.readMessage(pointer.threadId, pointer.conversation, pointer.m, event.eventId);
    if (state.applied) return { committed: true, value: { kind: 'duplicate', eventId: event.eventId } };
    if (!state.message || !state.etag)
      throw new Error(`reference ${event.referenceId} points to a message that does not exist`);

    const next = statusFromCode(event.statusCode);
    const current = state.message.status ?? 'queued';
    const changed = shouldReplace(current, next);
    const message: MessageRecord = {
      ...state.message,
      status: changed ? next : current,
      timeline: [
        ...(state.message.timeline ?? []),
        {
          status: next,
          code: event.statusCode,
          description: event.statusDescription,
          at: event.updatedOn ?? event.receivedAt,
          eventId: event.eventId,
        },
      ],
    };
    const outcome = await deps.threads.updateMessage(pointer.threadId, message, state.etag, {
      create: eventRow(event.eventId),
    });
    if (outcome === 'conflict') return { committed: false };
    return { committed: true, value: { kind: 'report', conversationId, status: message.status, changed } };
  });
  deps.logger.info('delivery report applied', {
    eventId: event.eventId,
    referenceId: event.referenceId,
    statusCode: event.statusCode,
    ...(result.kind === 'report' ? { status: result.status, changed: result.changed } : { duplicate: true }),
  });
  return result;
}

/** The send path calls this once it has recorded a reference, for reports that overtook it. */
export async function applyPendingReports(
  referenceId: string,
  pointer: MessagePointer,
  deps: Pick<RouteDeps, 'threads' | 'references' | 'logger'>,
): Promise<number> {
  const pending = await deps.references.listPending(referenceId);
  for (const report of pending) {
    await applyReport(pointer, report, deps);
    await deps.references.removePending(report);
  }
  return pending.length;
}

async function storeUnrecognized(event: CallbackUnrecognized, deps: RouteDeps): Promise<RouteResult> {
  await deps.unrecognized.save(event);
  deps.logger.warn('unrecognized callback stored for an operator', { eventId: event.eventId, reason: event.reason });
  return { kind: 'unrecognized_stored', eventId: event.eventId };
}
