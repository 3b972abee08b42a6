/**
 * Outbound message status (docs/architecture.md §Contracts): queued → sent → delivered | failed | expired |
 * unknown. Delivery reports can arrive late and out of order, so a status only ever moves forward.
 */
export const messageStatuses = ['queued', 'sent', 'delivered', 'failed', 'expired', 'unknown'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

export const finalStatuses = ['delivered', 'failed', 'expired'] as const;
export type FinalStatus = (typeof finalStatuses)[number];

export function isFinal(s: MessageStatus): s is FinalStatus {
  return (finalStatuses as readonly string[]).includes(s);
}

export function isMessageStatus(value: unknown): value is MessageStatus {
  return typeof value === 'string' && (messageStatuses as readonly string[]).includes(value);
}

// `unknown` sits below the finals: Telesign may still send a real outcome after "final status unknown" (250/251),
// and a later 200 must win. Above the intermediates, so a late 29x does not undo it.
const rank: Record<MessageStatus, number> = {
  queued: 0,
  sent: 1,
  unknown: 2,
  delivered: 3,
  failed: 3,
  expired: 3,
};

/** Whether a report of `next` should replace the stored `current`. Every report still goes in the timeline. */
export function shouldReplace(current: MessageStatus, next: MessageStatus): boolean {
  return rank[next] > rank[current];
}
