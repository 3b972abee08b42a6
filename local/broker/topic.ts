import type { Message } from 'rhea';

import { Entrance } from './entrance';
import type { TopicSettings } from './options';
import { Queue } from './queue';

/** A topic: an entrance whose accepted messages are copied to every subscription, each a queue of its own. */
export class Topic {
  readonly entrance: Entrance;
  readonly subscriptions: readonly Queue[];
  /** The topic numbers only what it holds (scheduled messages); each subscription numbers its own copies. */
  private nextSeq = 1;

  constructor(readonly settings: TopicSettings) {
    this.subscriptions = settings.subscriptions.map((s) => new Queue(s));
    this.entrance = new Entrance(
      settings.entrance,
      () => this.nextSeq++,
      (message) => this.fanOut(message),
    );
  }

  get name(): string {
    return this.settings.entrance.name;
  }

  private fanOut(message: Message): void {
    // Settling a copy replaces its application properties (dead-letter reason); the copies must not share them.
    for (const subscription of this.subscriptions) subscription.enqueue({ ...message });
  }
}
