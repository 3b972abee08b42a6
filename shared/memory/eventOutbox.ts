import type { ChannelEvent } from '../domain/channelEvents';
import type { EventOutbox } from '../ports/eventOutbox';
import { copy } from './threadPartitions';

/** The outbox in memory, oldest first by the event's time as the Table adapter reads it. */
export function createMemoryEventOutbox(): EventOutbox {
  const kept = new Map<string, ChannelEvent>();
  const keyOf = (event: ChannelEvent) => `${event.at}-${event.id}`;
  return {
    async keep(events) {
      for (const event of events) kept.set(keyOf(event), copy(event));
    },
    async pending(limit) {
      return [...kept.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, limit)
        .map(([, event]) => copy(event));
    },
    async remove(events) {
      for (const event of events) kept.delete(keyOf(event));
    },
  };
}
