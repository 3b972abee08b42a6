import { parseAddress } from './entityAddress';
import { type BrokerQueueOptions, queueSettings } from './options';
import { Queue } from './queue';
import type { Subqueue } from './subqueue';

/** The declared queues, looked up by link address. */
export class Namespace {
  private readonly queues = new Map<string, Queue>();

  constructor(queues: readonly BrokerQueueOptions[]) {
    for (const options of queues) {
      const key = options.name.toLowerCase();
      if (this.queues.has(key)) throw new Error(`queue '${options.name}' is declared twice`);
      this.queues.set(key, new Queue(queueSettings(options)));
    }
  }

  queue(name: string): Queue | undefined {
    return this.queues.get(name.toLowerCase());
  }

  /** The message store a link address (`q`, `q/$DeadLetterQueue`, or their `/$management`) refers to. */
  subqueue(address: string | undefined): { queue: Queue; subqueue: Subqueue; deadLetter: boolean } | undefined {
    const parsed = parseAddress(address);
    if (!parsed || parsed.kind === 'cbs') return undefined;
    const queue = this.queue(parsed.queue);
    if (!queue) return undefined;
    return { queue, subqueue: parsed.deadLetter ? queue.deadLetter : queue.active, deadLetter: parsed.deadLetter };
  }
}
