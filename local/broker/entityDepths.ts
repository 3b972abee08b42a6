import type { Namespace } from './namespace';
import type { Queue } from './queue';

/** Message counts of a queue or subscription. Active counts locked messages too, as Service Bus does. */
export interface StoreDepth {
  /** The path receivers attach to: `<queue>` or `<topic>/Subscriptions/<subscription>`. */
  readonly path: string;
  readonly requiresSession: boolean;
  readonly active: number;
  readonly deadLetter: number;
}

export interface QueueDepth extends StoreDepth {
  readonly name: string;
  /** Held until their scheduled enqueue time. */
  readonly scheduled: number;
}

export interface SubscriptionDepth extends StoreDepth {
  readonly name: string;
}

export interface TopicDepth {
  readonly name: string;
  /** Held by the topic until their scheduled enqueue time, then copied to every subscription. */
  readonly scheduled: number;
  readonly subscriptions: readonly SubscriptionDepth[];
}

export interface BrokerEntities {
  readonly queues: readonly QueueDepth[];
  readonly topics: readonly TopicDepth[];
}

export function entityDepths(namespace: Namespace): BrokerEntities {
  return {
    queues: namespace.queues.map(({ queue, entrance }) => ({
      name: queue.settings.name,
      ...storeDepth(queue),
      scheduled: entrance.scheduled.size,
    })),
    topics: namespace.topics.map((topic) => ({
      name: topic.name,
      scheduled: topic.entrance.scheduled.size,
      subscriptions: topic.subscriptions.map((queue) => ({
        name: queue.settings.name.slice(`${topic.name}/Subscriptions/`.length),
        ...storeDepth(queue),
      })),
    })),
  };
}

function storeDepth(queue: Queue): StoreDepth {
  return {
    path: queue.settings.name,
    requiresSession: queue.settings.requiresSession,
    active: queue.active.size,
    deadLetter: queue.deadLetter.size,
  };
}
