import type { ChannelEvent } from '../domain/channelEvents';
import { messageStatusChangedEvent } from '../domain/channelEventsOf';
import type { DeliveryReported } from '../domain/inboundEvent';
import { recordStatus, statusMoveBy } from '../domain/statusChange';
import { conversationIdOf, type MessageRecord } from '../domain/thread';
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
  let pointer = await deps.references.get(event.referenceId);
  if (!pointer) {
    await deps.references.addPending(event);
    pointer = await deps.references.get(event.referenceId);
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
 * Applies a report to the message it points to, once: a report applied before changes nothing and says again
 * what it changed the first time, read back from the timeline.
 */
export async function applyReport(
  pointer: MessagePointer,
  event: DeliveryReported,
  deps: Pick<ReportDeps, 'threads' | 'logger'>,
): Promise<WithEvents<ReportResult>> {
  const conversationId = conversationIdOf(pointer.threadId, pointer.conversation);
  const thread = { threadId: pointer.threadId, account: event.account };
  const applied = await withOptimisticRetry<WithEvents<ReportResult>>(async () => {
    const state = await deps.threads.readMessage(pointer.threadId, pointer.conversation, pointer.m, event.eventId);
    if (state.applied) {
      const move = state.message && statusMoveBy(state.message, event.eventId);
      const events: ChannelEvent[] = move ? [messageStatusChangedEvent(thread, state.message!, move)] : [];
      return done({ result: { kind: 'duplicate', eventId: event.eventId }, events });
    }
    if (!state.message || !state.version)
      throw new Error(`reference ${event.referenceId} points to a message that does not exist`);

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
  const { result } = applied;
  deps.logger.info('delivery report applied', {
    eventId: event.eventId,
    referenceId: event.referenceId,
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
