import type { Logger } from '../log';
import type { WebhookHolds } from '../ports/webhookStore';
import type { WebhookDeliveryQueue } from '../queue/webhookDeliveryQueue';
import { awaitedMessage, newAttemptMessageId, OVERDUE_MS } from './webhookDeliveries';

/** Holds looked at per run; a backlog is worked off by the next runs. */
const SWEEP_LIMIT = 200;

/**
 * The attempts holds wait for that never came (docs/webhooks.md §Order): a scheduled message lost with a local
 * broker's restart, a queue purged by hand, a send that failed after its hold was written and no redelivery to
 * repeat it. Each is sent again under a new id, and the hold's time moves to now, so the next run leaves it alone
 * for another OVERDUE_MS. An attempt that was only late, not lost, then comes twice, and the second finds the hold
 * moved on and is skipped (shared/services/webhookDeliveries.ts). Answers how many were sent again.
 */
export async function resendOverdueAttempts(
  deps: { holds: WebhookHolds; queue: WebhookDeliveryQueue; now: () => Date },
  logger: Logger,
): Promise<number> {
  const now = deps.now();
  const overdue = await deps.holds.overdue(new Date(now.getTime() - OVERDUE_MS), SWEEP_LIMIT);
  let resent = 0;
  for (const hold of overdue) {
    const { head } = hold;
    const state = {
      head,
      awaiting: {
        ...hold.awaiting,
        messageId: newAttemptMessageId(head, hold.awaiting.attempt),
        dueAt: now.toISOString(),
      },
      writtenBy: hold.writtenBy,
      ...(hold.lastOutcome ? { lastOutcome: hold.lastOutcome } : {}),
    };
    // Changed since it was read: it is moving, not stuck.
    if (!(await deps.holds.update(head.endpoint, head.threadId, hold.version, state))) continue;
    await deps.queue.send([awaitedMessage(state, now)], now);
    resent += 1;
    logger.warn('webhook attempt overdue; sent again', {
      endpoint: head.endpoint,
      eventId: head.eventId,
      attempt: hold.awaiting.attempt + 1,
      dueAt: hold.awaiting.dueAt,
    });
  }
  return resent;
}
