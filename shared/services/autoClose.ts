import type { ChannelEvent } from '../domain/channelEvents';
import { activityOf } from '../domain/conversationActivity';
import type { ConversationState } from '../domain/conversationState';
import { changeConversation, checkEntry, type ConversationDeps } from './conversations';
import type { WithEvents } from './reactions';

/** Milliseconds per state; undefined leaves that state alone. */
export type IdleLimits = Record<Exclude<ConversationState, 'closed'>, number | undefined>;

export const AUTO_CLOSE_REASON = 'auto_close_idle';

export interface AutoCloseDeps extends ConversationDeps {
  idleLimits: IdleLimits;
  /** Bounds one run; the next run carries on where this one stopped. */
  maxPerRun?: number;
}

export interface AutoCloseResult {
  closed: number;
  /** Entries whose conversation turned out not to be idle (or not there): their entries were repaired. */
  repaired: number;
}

/**
 * Closes what has been idle too long, as Dynamics does, through the same transition as `POST …/close`. It reads
 * only the idle range of each state's index; the conversation decides, under its thread's version, whether it
 * is still idle in that state, so an index that lags behind never closes a live conversation.
 */
export async function autoCloseIdle(deps: AutoCloseDeps): Promise<WithEvents<AutoCloseResult>> {
  const result: AutoCloseResult = { closed: 0, repaired: 0 };
  const events: ChannelEvent[] = [];
  const max = deps.maxPerRun ?? 500;
  const now = deps.now().getTime();
  for (const [state, limitMs] of Object.entries(deps.idleLimits) as Array<[keyof IdleLimits, number | undefined]>) {
    if (limitMs === undefined) continue;
    const cutoff = now - limitMs;
    for await (const entry of deps.index.scan(state, { activityBefore: new Date(cutoff) })) {
      if (result.closed + result.repaired >= max) return finished(result, events, deps);
      const { result: outcome, events: closedEvents } = await changeConversation(
        entry.conversationId,
        { kind: 'close', reason: AUTO_CLOSE_REASON },
        deps,
        {
          onlyIf: (c) => c.state === state && Date.parse(activityOf(c)) < cutoff,
        },
      );
      if (outcome.ok && outcome.value.changed) {
        // The transition moved the entry the row called for; this one may have been an older, stale copy.
        await deps.index.remove(entry);
        events.push(...closedEvents);
        result.closed++;
      } else {
        await checkEntry(entry, deps);
        result.repaired++;
      }
    }
  }
  return finished(result, events, deps);
}

function finished(result: AutoCloseResult, events: ChannelEvent[], deps: AutoCloseDeps): WithEvents<AutoCloseResult> {
  deps.logger.info('auto-close run finished', { ...result });
  return { result, events };
}
