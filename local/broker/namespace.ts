import { parseAddress } from './entityAddress';
import { Entrance } from './entrance';
import { type BrokerQueueOptions, type BrokerTopicOptions, queueSettings, topicSettings } from './options';
import { Queue } from './queue';
import type { Subqueue } from './subqueue';
import { Topic } from './topic';

/** What a link address leads to. */
export interface EntityNode {
  /** Where receivers take messages from: absent for a topic. */
  readonly store?: { readonly queue: Queue; readonly subqueue: Subqueue; readonly deadLetter: boolean };
  /** Where senders put messages: absent for a subscription and for a dead-letter queue. */
  readonly entrance?: Entrance;
}

export interface DeclaredQueue {
  readonly queue: Queue;
  readonly entrance: Entrance;
}

/** The declared queues and topics, looked up by link address. Queues and topics share one set of names. */
export class Namespace {
  readonly queues: readonly DeclaredQueue[];
  readonly topics: readonly Topic[];
  private readonly byPath = new Map<string, { queue?: Queue; entrance?: Entrance }>();

  constructor(queues: readonly BrokerQueueOptions[], topics: readonly BrokerTopicOptions[]) {
    this.queues = queues.map((options) => declareQueue(options));
    this.topics = topics.map((options) => new Topic(topicSettings(options)));
    for (const { queue, entrance } of this.queues) this.file(queue.settings.name, { queue, entrance });
    for (const topic of this.topics) {
      this.file(topic.name, { entrance: topic.entrance });
      for (const queue of topic.subscriptions) this.file(queue.settings.name, { queue });
    }
  }

  /** `q`, `t/Subscriptions/s`, either's `/$DeadLetterQueue`, a topic `t`, or any of their `/$management`. */
  node(address: string | undefined): EntityNode | undefined {
    const parsed = parseAddress(address);
    if (!parsed || parsed.kind === 'cbs') return undefined;
    const found = this.byPath.get(parsed.entity);
    if (!found) return undefined;
    const { queue, entrance } = found;
    if (parsed.deadLetter)
      return queue ? { store: { queue, subqueue: queue.deadLetter, deadLetter: true } } : undefined;
    return { store: queue && { queue, subqueue: queue.active, deadLetter: false }, entrance };
  }

  private file(name: string, entry: { queue?: Queue; entrance?: Entrance }): void {
    const key = name.toLowerCase();
    if (this.byPath.has(key)) throw new Error(`entity '${name}' is declared twice`);
    this.byPath.set(key, entry);
  }
}

function declareQueue(options: BrokerQueueOptions): DeclaredQueue {
  const settings = queueSettings(options);
  const queue = new Queue(settings.queue);
  const entrance = new Entrance(
    settings.entrance,
    () => queue.reserveSequenceNumber(),
    (message, seq) => queue.enqueue(message, seq),
  );
  return { queue, entrance };
}
