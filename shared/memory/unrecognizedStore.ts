import type { CallbackUnrecognized } from '../domain/inboundEvent';
import type { UnrecognizedStore } from '../ports/unrecognizedStore';
import { copy } from './threadPartitions';

export interface MemoryUnrecognizedStore extends UnrecognizedStore {
  /** What an operator would find: every saved callback, for tests to look at. */
  saved(): CallbackUnrecognized[];
}

/** The unrecognized store in memory, keyed as on Table Storage by the day received and the event id. */
export function createMemoryUnrecognizedStore(): MemoryUnrecognizedStore {
  const events = new Map<string, CallbackUnrecognized>();
  return {
    async save(event) {
      events.set(`${event.receivedAt.slice(0, 10)}|${event.eventId}`, copy(event));
    },
    saved: () => [...events.values()].map(copy),
  };
}
