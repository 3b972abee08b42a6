import { type Message, message as amqpMessage } from 'rhea';

import type { Entrance } from './entrance';
import type { Namespace } from './namespace';
import type { Queue } from './queue';

/**
 * What a stopped broker still held, to hand to the next start (`npm start -- --data`): each queue's and
 * subscription's messages, active (locked ones too: their lock ends with the process) and dead-lettered, encoded
 * as AMQP, each entrance's messages scheduled for later (a webhook delivery's retry) with their time, and each
 * entrance's duplicate window (the ids it remembers, until when).
 */
export interface BrokerSnapshot {
  version: 1;
  stores: Array<{ path: string; active: string[]; deadLetter: Array<{ message: string; deliveries: number }> }>;
  /** Absent in a snapshot written before the window was kept. */
  windows?: Array<{ entrance: string; seen: Array<[string, number]> }>;
  /** Absent in a snapshot written before scheduled messages were kept. `dueAt`: ms since the epoch. */
  scheduled?: Array<{ entrance: string; messages: Array<{ message: string; dueAt: number }> }>;
}

const encode = (message: Message) => amqpMessage.encode(message).toString('base64');
const decode = (text: string) => amqpMessage.decode(Buffer.from(text, 'base64')) as unknown as Message;

function storesOf(namespace: Namespace): Queue[] {
  return [...namespace.queues.map((q) => q.queue), ...namespace.topics.flatMap((t) => t.subscriptions)];
}

function entrancesOf(namespace: Namespace): Entrance[] {
  return [...namespace.queues.map((q) => q.entrance), ...namespace.topics.map((t) => t.entrance)];
}

export function takeSnapshot(namespace: Namespace, now = Date.now()): BrokerSnapshot {
  return {
    version: 1,
    windows: entrancesOf(namespace)
      .map((e) => ({ entrance: e.settings.name, seen: e.duplicates.remembered(now) }))
      .filter((w) => w.seen.length > 0),
    scheduled: entrancesOf(namespace)
      .map((e) => ({
        entrance: e.settings.name,
        messages: e.scheduled.entries().map(({ message, dueAt }) => ({ message: encode(message), dueAt })),
      }))
      .filter((s) => s.messages.length > 0),
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

/**
 * Puts the messages back, in their order, the scheduled ones held again until their time; a store or entrance no
 * longer declared is named in `unknown` and left out.
 */
export function restoreSnapshot(
  namespace: Namespace,
  snapshot: BrokerSnapshot,
  now = Date.now(),
): { restored: number; unknown: string[] } {
  const entrances = new Map(entrancesOf(namespace).map((e) => [e.settings.name.toLowerCase(), e]));
  for (const window of snapshot.windows ?? [])
    entrances.get(window.entrance.toLowerCase())?.duplicates.remember(window.seen, now);
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
  for (const held of snapshot.scheduled ?? []) {
    const entrance = entrances.get(held.entrance.toLowerCase());
    if (!entrance) {
      unknown.push(held.entrance);
      continue;
    }
    for (const { message, dueAt } of held.messages) entrance.restoreScheduled(decode(message), dueAt);
    restored += held.messages.length;
  }
  return { restored, unknown };
}
