import type { ChannelEvent } from '../domain/channelEvents';
import { AppError } from '../errors';
import type { Logger } from '../log';
import type { Outcome } from '../outcome';

/** What a service that changes something returns: its result, and the channel events the change produced. */
export interface WithEvents<T> {
  result: T;
  events: ChannelEvent[];
}

export interface ReactionContext {
  logger: Logger;
}

/**
 * Work that follows a committed change, driven only by the change's channel events. A reaction is idempotent
 * (the same events can come again: a redelivered inbound event replays them) and reads each event on its own,
 * never relying on its siblings arriving with it, so that it can later run from a topic subscription of its own.
 */
export interface Reaction {
  /** Stable: it names the reaction in errors, and its subscription once reactions run from a topic. */
  name: string;
  react(events: readonly ChannelEvent[], context: ReactionContext): Promise<void>;
}

export type React = (events: readonly ChannelEvent[], context: ReactionContext) => Promise<void>;

/**
 * Runs the reactions in order. One that fails does not keep the next from running, as separate subscriptions
 * would not; the failure is thrown after all have run, so the trigger fails and its redelivery brings the same
 * events back (each reaction then skips what it already did).
 */
export function runReactions(reactions: readonly Reaction[]): React {
  return async (events, context) => {
    if (events.length === 0) return;
    const failures: Array<{ name: string; error: unknown }> = [];
    for (const reaction of reactions) {
      try {
        await reaction.react(events, context);
      } catch (error) {
        failures.push({ name: reaction.name, error });
      }
    }
    if (failures.length === 1) throw failures[0].error;
    if (failures.length > 1) {
      throw new AggregateError(
        failures.map((f) => f.error),
        `Reactions failed: ${failures.map((f) => f.name).join(', ')}.`,
      );
    }
  };
}

/**
 * A watcher as the last reaction: it sees the events once the real reactions have run, and whatever it throws is
 * dropped, so a watcher can never fail the change or bring its events back for a redelivery.
 */
export function observing(observe: (events: readonly ChannelEvent[]) => void): Reaction {
  return {
    name: 'observe',
    async react(events) {
      try {
        observe(events);
      } catch {
        // a watcher's failure is its own
      }
    },
  };
}

const queueFailureIn = (error: unknown): AppError | undefined =>
  error instanceof AppError && error.code === 'queue_unavailable'
    ? error
    : error instanceof AggregateError
      ? error.errors.map(queueFailureIn).find((e) => e !== undefined)
      : undefined;

/**
 * For a caller that answers over HTTP: the change is committed whatever the reactions do, so events that could
 * not be published are a 503 `queue_unavailable` the caller retries (a retry with the same Idempotency-Key
 * replays the change, which yields and publishes the same events), not a 500. Any other failure is thrown.
 */
export async function reactAfterCommit<T>(
  react: React,
  { result, events }: WithEvents<Outcome<T>>,
  context: ReactionContext,
): Promise<Outcome<T>> {
  try {
    await react(events, context);
  } catch (error) {
    const unavailable = queueFailureIn(error);
    if (!unavailable) throw error;
    context.logger.warn('change committed but its channel events were not published; answered 503 for a retry', {
      events: events.length,
    });
    return { ok: false, error: unavailable };
  }
  return result;
}
