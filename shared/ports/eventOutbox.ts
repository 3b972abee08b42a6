import type { ChannelEvent } from '../domain/channelEvents';

/**
 * Channel events of a committed change that the topic could not take, kept until a later publish succeeds
 * (docs/architecture.md §Publishing after the commit). Only for changes nothing would replay: an API transition,
 * a send answered over HTTP, an auto-close. The router's events are replayed by Service Bus instead.
 */
export interface EventOutbox {
  /** Keeping the same event again is fine. */
  keep(events: readonly ChannelEvent[]): Promise<void>;
  /** Oldest first (by the event's time), at most `limit`. */
  pending(limit: number): Promise<ChannelEvent[]>;
  /** Removing an event that is not kept is fine. */
  remove(events: readonly ChannelEvent[]): Promise<void>;
}
