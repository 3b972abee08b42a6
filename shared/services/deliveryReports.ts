import type { ChannelEvent } from '../domain/channelEvents';
import { messageStatusChangedEvent } from '../domain/channelEventsOf';
import type { DeliveryReported } from '../domain/inboundEvent';
import { normalizeReferenceId } from '../domain/referenceId';
import { recordStatus, statusMoveBy } from '../domain/statusChange';
import { conversationIdOf, messageIdOf, type MessageRecord, parseMessageId } from '../domain/thread';
import type { Logger } from '../log';
import type { MessagePointer, ReferenceStore } from '../ports/referenceStore';
import type { ThreadStore } from '../ports/threadStore';
import { statusFromCode } from '../telesign/statusCodes';
import { done, withOptimisticRetry } from './optimisticRetry';
import type { WithEvents } from './reactions';

export interface ReportDeps {
  threads: ThreadStore;
  references: ReferenceStore;
  logger: Logger;
}

export type ReportResult =
  | { kind: 'report'; conversationId: string; status: MessageRecord['status']; changed: boolean }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'report_pending'; referenceId: string };

/**
 * A delivery report finds its outbound message through its reference. The send may still be recording that
 * reference: then the report is parked where the send looks once it has, and looked for once more, in case the
 * send recorded it meanwhile (ports/referenceStore.ts).
 */
export async function handleReport(event: DeliveryReported, deps: ReportDeps): Promise<WithEvents<ReportResult>> {
  const echoed = await applyEchoed(event, deps);
  if (echoed) return echoed;
  let pointer = await deps.references.get(event.referenceId);
  if (!pointer) {
    pointer = await deps.references.addPending(event);
    if (!pointer) {
      deps.logger.info('delivery report parked until its reference is recorded', {
        eventId: event.eventId,
        referenceId: event.referenceId,
      });
      return { result: { kind: 'report_pending', referenceId: event.referenceId }, events: [] };
    }
    const applied = await applyReport(pointer, event, deps);
    await deps.references.removePending(event);
    return applied;
  }
  return applyReport(pointer, event, deps);
}

/**
 * A report that echoes our `external_id` names its message (docs/telesign-protocol.md §Sending an SMS: it is our
 * message id), so it skips the reference lookup: one read and one batch. Taken only when that message is ours
 * and already carries the report's reference, i.e. the send recorded it; otherwise (no echo, not our id, a
 * send still recording its outcome) undefined, and the report goes by its reference as before.
 */
async function applyEchoed(event: DeliveryReported, deps: ReportDeps): Promise<WithEvents<ReportResult> | undefined> {
  const pointer = event.externalId ? parseMessageId(event.externalId) : undefined;
  if (!pointer) return undefined;
  const reference = normalizeReferenceId(event.referenceId);
  return applyReportIf(pointer, event, deps, (message) =>
    Boolean(message.referenceId && normalizeReferenceId(message.referenceId) === reference),
  );
}

/**
 * Applies a report to the message it points to, once: a report applied before changes nothing and says again
 * what it changed the first time, read back from the timeline.
 */
export async function applyReport(
  pointer: MessagePointer,
  event: DeliveryReported,
  deps: Pick<ReportDeps, 'threads' | 'logger'>,
): Promise<WithEvents<ReportResult>> {
  const applied = await applyReportIf(pointer, event, deps);
  if (!applied) throw new Error(`reference ${event.referenceId} points to a message that does not exist`);
  return applied;
}

/** `applyReport`, or undefined (nothing written) when the message is missing or `isItsMessage` says no. */
async function applyReportIf(
  pointer: MessagePointer,
  event: DeliveryReported,
  deps: Pick<ReportDeps, 'threads' | 'logger'>,
  isItsMessage: (message: MessageRecord) => boolean = () => true,
): Promise<WithEvents<ReportResult> | undefined> {
  const conversationId = conversationIdOf(pointer.threadId, pointer.conversation);
  const thread = { threadId: pointer.threadId, account: event.account };
  // As the router does: the batch creates the report's marker, so a report applied before cannot commit, and the
  // marker is read (by its key) only after a conflict. A new report: one point read and one batch.
  const applied = await withOptimisticRetry<WithEvents<ReportResult> | undefined>(async (n) => {
    const state = await deps.threads.readMessage(
      pointer.threadId,
      pointer.conversation,
      pointer.m,
      n > 1 ? event.eventId : undefined,
    );
    if (state.message && !isItsMessage(state.message)) return done(undefined);
    if (state.applied) {
      const move = state.message && statusMoveBy(state.message, event.eventId);
      const events: ChannelEvent[] = move ? [messageStatusChangedEvent(thread, state.message!, move)] : [];
      return done({ result: { kind: 'duplicate', eventId: event.eventId }, events });
    }
    if (!state.message || !state.version) return done(undefined);

    const recorded = recordStatus(state.message, {
      status: statusFromCode(event.statusCode),
      code: event.statusCode,
      description: event.statusDescription,
      at: event.updatedOn ?? event.receivedAt,
      eventId: event.eventId,
    });
    const outcome = await deps.threads.updateMessage(pointer.threadId, recorded.message, state.version, {
      create: { event: event.eventId },
    });
    if (outcome === 'conflict') return { committed: false };
    const { message, changed, from } = recorded;
    const events = changed
      ? [messageStatusChangedEvent(thread, message, { from, to: message.status!, change: message.timeline!.at(-1)! })]
      : [];
    return done({ result: { kind: 'report', conversationId, status: message.status, changed }, events });
  });
  if (!applied) return undefined;
  const { result } = applied;
  deps.logger.info('delivery report applied', {
    eventId: event.eventId,
    referenceId: event.referenceId,
    messageId: messageIdOf(pointer),
    conversationId,
    statusCode: event.statusCode,
    ...(result.kind === 'report' ? { status: result.status, changed: result.changed } : { duplicate: true }),
  });
  return applied;
}

/** The send path calls this once it has recorded a reference, for reports that overtook it. */
export async function applyPendingReports(
  referenceId: string,
  pointer: MessagePointer,
  deps: ReportDeps,
): Promise<WithEvents<number>> {
  const pending = await deps.references.listPending(referenceId);
  const events: ChannelEvent[] = [];
  for (const report of pending) {
    events.push(...(await applyReport(pointer, report, deps)).events);
    await deps.references.removePending(report);
  }
  return { result: pending.length, events };
}
