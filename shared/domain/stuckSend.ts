import { recordStatus, sendOutcomeOf } from './statusChange';
import type { MessageRecord } from './thread';

/**
 * A send the process died in (after the `queued` commit, before Telesign's answer was recorded) would stay
 * `queued` for ever. Past a bound no live send can reach, it is settled `unknown`: it may have gone out, so it is
 * never resent (docs/architecture.md §Sending).
 */

/** The Telesign client's own defaults (shared/telesign/client.ts; pinned by tests/unit/stuckSend.test.ts). */
export const TELESIGN_CLIENT_DEFAULTS = { timeoutMs: 10_000, maxRetries: 2, maxRetryAfterMs: 10_000 } as const;
/** One Key Vault read, token included (shared/secrets/keyVaultSecretSource.ts, `callDeadlineMs`). */
export const KEY_READ_DEADLINE_MS = 10_000;

/**
 * The longest a send can talk to Telesign: twice (a 401 drops the cached key, reads it again and sends once more,
 * shared/telesign/rotatingKeyClient.ts) a key read plus every attempt running to its timeout with the longest
 * pause between attempts. With the defaults: 2 × (10 + 3 × 10 + 2 × 10) s = 120 s.
 */
export function longestSendMs(
  client: { timeoutMs: number; maxRetries: number; maxRetryAfterMs: number } = TELESIGN_CLIENT_DEFAULTS,
  keyReadMs: number = KEY_READ_DEADLINE_MS,
): number {
  const oneCall = keyReadMs + (client.maxRetries + 1) * client.timeoutMs + client.maxRetries * client.maxRetryAfterMs;
  return 2 * oneCall;
}

/**
 * How long a message may stay `queued` before it counts as stuck: more than twice `longestSendMs()` (the writes
 * after Telesign's answer are storage calls of seconds), and more than the host's `functionTimeout` (4 min,
 * host.json), after which no invocation is still running the send.
 */
export const STUCK_SEND_AFTER_MS = 5 * 60_000;

/** Why a stuck send is `unknown`: the message's `failureReason`, and the note its retries are answered with. */
export const STUCK_SEND_REASON =
  "the send was interrupted before Telesign's answer was recorded; the message may have been sent";

/** An outbound message still `queued` longer than the bound after it was recorded. */
export function isStuckSend(message: MessageRecord, now: Date, boundMs: number = STUCK_SEND_AFTER_MS): boolean {
  if (message.direction !== 'outbound' || (message.status ?? 'queued') !== 'queued') return false;
  const queuedAt = Date.parse(message.createdAt);
  return Number.isFinite(queuedAt) && now.getTime() - queuedAt > boundMs;
}

/** The stuck message as the send path's own `unknown` outcome records it (the entry `message.sent` is built from). */
export function settleStuck(message: MessageRecord, at: Date): MessageRecord {
  return {
    ...recordStatus(message, { status: 'unknown', description: STUCK_SEND_REASON, at: at.toISOString() }).message,
    failureReason: STUCK_SEND_REASON,
  };
}

/** Whether the message's send outcome (what `message.sent` says) is this rule's settle, not Telesign's answer. */
export function wasSettledStuck(message: MessageRecord): boolean {
  const outcome = sendOutcomeOf(message);
  return outcome?.status === 'unknown' && outcome.description === STUCK_SEND_REASON;
}
