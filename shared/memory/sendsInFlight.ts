import type { SendInFlight, SendsInFlight } from '../ports/sendsInFlight';
import { copy } from './threadPartitions';

/** Sends in flight in memory, ordered by when they were queued as the Table adapter reads them. */
export function createMemorySendsInFlight(): SendsInFlight {
  const entries = new Map<string, SendInFlight>();
  const keyOf = ({ queuedAt, pointer: p }: SendInFlight) => `${queuedAt}_${p.threadId}.${p.conversation}.${p.m}`;
  return {
    async add(send) {
      entries.set(keyOf(send), copy(send));
    },
    async remove(send) {
      entries.delete(keyOf(send));
    },
    async queuedBefore(before, limit) {
      const cutoff = before.toISOString();
      return [...entries.entries()]
        .filter(([, send]) => send.queuedAt < cutoff)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, limit)
        .map(([, send]) => copy(send));
    },
  };
}
