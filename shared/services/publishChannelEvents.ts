import type { ChannelEvent } from '../domain/channelEvents';
import type { Reaction } from './reactions';

/** The port the events leave through (on Azure, a Service Bus topic: shared/queue/channelEventPublisher.ts). */
export interface ChannelEventPort {
  publish(events: readonly ChannelEvent[]): Promise<void>;
}

/**
 * Makes the events durable, for the reactions that subscribe to them. It runs first, and a failure is not
 * swallowed: the change's trigger fails, its redelivery replays the change, which yields the same events with the
 * same ids, and the broker drops those it already has.
 */
export function publishChannelEvents(port: ChannelEventPort): Reaction {
  return {
    name: 'publishChannelEvents',
    react: (events) => port.publish(events),
  };
}
