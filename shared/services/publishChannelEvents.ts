import type { ChannelEvent } from '../domain/channelEvents';
import { AppError } from '../errors';
import type { EventOutbox } from '../ports/eventOutbox';
import type { Reaction } from './reactions';

/** The port the events leave through (on Azure, a Service Bus topic: shared/queue/channelEventPublisher.ts). */
export interface ChannelEventPort {
  publish(events: readonly ChannelEvent[]): Promise<void>;
}

/**
 * Makes the events durable, for the reactions that subscribe to them. It runs first.
 *
 * Without an outbox a failure is not swallowed: the change's trigger fails, its redelivery replays the change,
 * which yields the same events with the same ids, and the broker drops those it already has (the router). With
 * one, for changes nothing would replay (an API call, the auto-close timer), events the topic cannot take are kept
 * there and published later by `republishChannelEvents` (docs/architecture.md §Publishing after the commit); only
 * when the outbox fails too does the failure go up.
 */
export function publishChannelEvents(port: ChannelEventPort, outbox?: Pick<EventOutbox, 'keep'>): Reaction {
  return {
    name: 'publishChannelEvents',
    async react(events, { logger }) {
      try {
        await port.publish(events);
      } catch (error) {
        if (!outbox || !(error instanceof AppError) || error.code !== 'queue_unavailable') throw error;
        try {
          await outbox.keep(events);
        } catch {
          throw error;
        }
        logger.warn('channel events kept in the outbox: the topic cannot take them; published later', {
          events: events.length,
        });
      }
    },
  };
}

/**
 * Publishes what the outbox holds, oldest first, and removes what the topic took. The ids are the events' own, so
 * an event published twice (a publish that failed only in its answer) is dropped by the topic.
 */
export async function republishChannelEvents(
  deps: { port: ChannelEventPort; outbox: EventOutbox },
  limit = 100,
): Promise<number> {
  const pending = await deps.outbox.pending(limit);
  if (pending.length === 0) return 0;
  await deps.port.publish(pending);
  await deps.outbox.remove(pending);
  return pending.length;
}
