import { type MessageStatus, shouldReplace } from './deliveryStatus';
import type { MessageRecord, StatusChange } from './thread';

export interface StatusRecorded {
  message: MessageRecord;
  /** Whether the message's status moved; the change is in the timeline either way. */
  changed: boolean;
  from: MessageStatus;
}

/**
 * Every status Telesign or the send path reports goes in the timeline; only one that moves the status forward
 * replaces it, so a late intermediate report never undoes a final one.
 */
export function recordStatus(message: MessageRecord, change: StatusChange): StatusRecorded {
  const from = message.status ?? 'queued';
  const changed = shouldReplace(from, change.status);
  return {
    message: { ...message, status: changed ? change.status : from, timeline: [...(message.timeline ?? []), change] },
    changed,
    from,
  };
}

export interface StatusMove {
  from: MessageStatus;
  to: MessageStatus;
  change: StatusChange;
}

/**
 * Replays the timeline to find what the entry of `eventId` did, so that a redelivered report can say again
 * what the first delivery changed. Undefined when that entry changed no status (or is not there).
 */
export function statusMoveBy(message: MessageRecord, eventId: string): StatusMove | undefined {
  let current: MessageStatus = 'queued';
  for (const change of message.timeline ?? []) {
    const from = current;
    if (shouldReplace(current, change.status)) current = change.status;
    if (change.eventId === eventId) return current !== from ? { from, to: current, change } : undefined;
  }
  return undefined;
}

/** The send path's own outcome for an outbound message (its first entry after `queued` that no report made). */
export function sendOutcomeOf(message: MessageRecord): StatusChange | undefined {
  return message.timeline?.find((c) => c.eventId === undefined && c.status !== 'queued');
}
