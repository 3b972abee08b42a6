import { STUCK_SEND_AFTER_MS, wasSettledStuck } from '../domain/stuckSend';
import { messageIdOf } from '../domain/thread';
import type { Logger } from '../log';
import type { SendsInFlight } from '../ports/sendsInFlight';
import type { ThreadStore } from '../ports/threadStore';
import type { React } from './reactions';
import { recordedEvents, settleIfStuck } from './sendReplay';

export interface StuckSendsDeps {
  threads: ThreadStore;
  inFlight: SendsInFlight;
  /** Where the channel events of each settled send go (published, or kept in the outbox) before its entry goes. */
  react: React;
  now: () => Date;
  logger: Logger;
  /** Default STUCK_SEND_AFTER_MS (shared/domain/stuckSend.ts). */
  stuckAfterMs?: number;
  /** Bounds one run; the next run carries on. Default 100. */
  maxPerRun?: number;
}

export interface StuckSendsResult {
  /** Messages settled `unknown` (by this run, or by one that stopped before its entry went) whose events went on. */
  settled: number;
  /** Entries whose send had an outcome already (or no message): dropped. */
  cleared: number;
  /** Entries left for the next run: their events could not be handled, or the entry could not be removed. */
  failed: number;
}

/**
 * The sweep (functions/settleStuckSends.ts): a send a crash interrupted after its `queued` commit, and that no
 * retry with its key came back for, is settled `unknown` (never resent) once it is past the bound. It reads only
 * the entries of sends in flight that were queued before the bound (ports/sendsInFlight.ts), not the threads;
 * the message decides, under its version, so a send that recorded its outcome meanwhile is left as it is.
 *
 * Idempotent: an entry is removed only after the settled send's events were handed on, so a run that stops
 * half-way is finished by the next, which finds the message settled and hands on the same events (same ids).
 */
export async function settleStuckSends(deps: StuckSendsDeps): Promise<StuckSendsResult> {
  const result: StuckSendsResult = { settled: 0, cleared: 0, failed: 0 };
  const bound = deps.stuckAfterMs ?? STUCK_SEND_AFTER_MS;
  const cutoff = new Date(deps.now().getTime() - bound);
  const entries = await deps.inFlight.queuedBefore(cutoff, deps.maxPerRun ?? 100);
  for (const entry of entries) {
    const { pointer } = entry;
    try {
      const message = await settleIfStuck(pointer, { ...deps, stuckAfterMs: bound, inFlight: undefined });
      // An entry whose commit conflicted may point at a younger message (another send's, with its own entry).
      if (message?.status === 'queued') continue;
      if (message && message.direction === 'outbound' && wasSettledStuck(message)) {
        await deps.react(await recordedEvents(message, pointer, deps), { logger: deps.logger });
        result.settled++;
      } else {
        result.cleared++;
      }
      await deps.inFlight.remove(entry);
    } catch (error) {
      result.failed++;
      deps.logger.warn('stuck send not settled; the next run tries again', {
        messageId: messageIdOf(pointer),
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (entries.length > 0) deps.logger.info('stuck sends swept', { ...result });
  return result;
}
