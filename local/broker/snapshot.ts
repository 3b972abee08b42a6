import { type Message, message as amqpMessage } from 'rhea';

import type { Namespace } from './namespace';
import type { Queue } from './queue';

/**
 * What a stopped broker still held, to hand to the next start (`npm start -- --data`): each queue's and
 * subscription's messages, active (locked ones too: their lock ends with the process) and dead-lettered, encoded
 * as AMQP. Scheduled messages and the duplicate window are not kept: the router's own markers apply a replayed
 * event once.
 */
export interface BrokerSnapshot {
  version: 1;
  stores: Array<{ path: string; active: string[]; deadLetter: Array<{ message: string; deliveries: number }> }>;
}

const encode = (message: Message) => amqpMessage.encode(message).toString('base64');
const decode = (text: string) => amqpMessage.decode(Buffer.from(text, 'base64')) as unknown as Message;

function storesOf(namespace: Namespace): Queue[] {
  return [...namespace.queues.map((q) => q.queue), ...namespace.topics.flatMap((t) => t.subscriptions)];
}

export function takeSnapshot(namespace: Namespace): BrokerSnapshot {
  return {
    version: 1,
    stores: storesOf(namespace)
      .map((queue) => ({
        path: queue.settings.name,
        active: queue.active.peek(0, Infinity).map((m) => encode(m.message)),
        deadLetter: queue.deadLetter
          .peek(0, Infinity)
          .map((m) => ({ message: encode(m.message), deliveries: m.deliveries })),
      }))
      .filter((s) => s.active.length > 0 || s.deadLetter.length > 0),
  };
}

/** Puts the messages back, in their order; a store no longer declared is named in `unknown` and left out. */
export function restoreSnapshot(
  namespace: Namespace,
  snapshot: BrokerSnapshot,
): { restored: number; unknown: string[] } {
  const byPath = new Map(storesOf(namespace).map((q) => [q.settings.name.toLowerCase(), q]));
  let restored = 0;
  const unknown: string[] = [];
  for (const store of snapshot.stores) {
    const queue = byPath.get(store.path.toLowerCase());
    if (!queue) {
      unknown.push(store.path);
      continue;
    }
    for (const text of store.active) queue.enqueue(decode(text));
    for (const { message, deliveries } of store.deadLetter) queue.restoreDeadLetter(decode(message), deliveries);
    restored += store.active.length + store.deadLetter.length;
  }
  return { restored, unknown };
}
