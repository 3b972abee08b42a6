import type { ChannelEvent } from '../../shared/domain/channelEvents';

/**
 * The channel's events, in this process, for the console's live view: the app hands every change's events to
 * `publish` (AppParts.observe, after the real reactions) and each open event stream listens. Nothing is kept: a
 * page that connects later refetches what it shows through the API.
 */
export interface EventHub {
  publish(events: readonly ChannelEvent[]): void;
  /** `onEnd` runs when the hub closes (the channel stops); the returned function stops listening. */
  subscribe(onEvent: (event: ChannelEvent) => void, onEnd: () => void): () => void;
  /** Ends every listener, so that no open stream holds the channel's stop. */
  close(): void;
}

export function createEventHub(): EventHub {
  const listeners = new Map<symbol, { onEvent: (event: ChannelEvent) => void; onEnd: () => void }>();
  let closed = false;
  return {
    publish(events) {
      for (const event of events) for (const listener of [...listeners.values()]) listener.onEvent(event);
    },
    subscribe(onEvent, onEnd) {
      if (closed) {
        onEnd();
        return () => undefined;
      }
      const id = Symbol('listener');
      listeners.set(id, { onEvent, onEnd });
      return () => void listeners.delete(id);
    },
    close() {
      closed = true;
      const ending = [...listeners.values()];
      listeners.clear();
      for (const listener of ending) listener.onEnd();
    },
  };
}
