import type { Message } from 'rhea';

import type { QueueSettings } from './options';
import { sessionIdOf, type StoredMessage } from './storedMessage';
import { Subqueue } from './subqueue';

/**
 * Where receivers take messages from: a queue's store, or a topic's subscription (a queue fed by its topic).
 * Active messages, their dead-letter sub-queue and the sequence numbers; what may come in is the Entrance's call.
 */
export class Queue {
  readonly active: Subqueue;
  readonly deadLetter: Subqueue;
  private nextSeq = 1;

  constructor(readonly settings: QueueSettings) {
    this.deadLetter = new Subqueue(
      {
        path: `${settings.name}/$deadletterqueue`,
        sessionful: false,
        maxDeliveryCount: Infinity,
        lockDurationMs: settings.lockDurationMs,
      },
      undefined,
    );
    this.active = new Subqueue(
      {
        path: settings.name,
        sessionful: settings.requiresSession,
        maxDeliveryCount: settings.maxDeliveryCount,
        lockDurationMs: settings.lockDurationMs,
      },
      (message) => this.moveToDeadLetter(message),
    );
  }

  /** A scheduled message has its sequence number from the moment it is scheduled, so it can be cancelled. */
  reserveSequenceNumber(): number {
    return this.nextSeq++;
  }

  enqueue(message: Message, seq: number = this.reserveSequenceNumber()): void {
    this.active.add(this.stored(message, seq, Date.now()));
  }

  /** A dead letter kept over a restart (snapshot.ts), with the deliveries it had. */
  restoreDeadLetter(message: Message, deliveries: number): void {
    this.deadLetter.add({ ...this.stored(message, this.reserveSequenceNumber(), Date.now()), deliveries });
  }

  private moveToDeadLetter(message: StoredMessage): void {
    // The dead-letter queue is its own entity with its own sequence; the delivery count travels along.
    const moved = this.stored(message.message, this.reserveSequenceNumber(), Date.now());
    this.deadLetter.add({ ...moved, deliveries: message.deliveries });
  }

  private stored(message: Message, seq: number, enqueuedAt: number): StoredMessage {
    return { seq, enqueuedAt, sessionId: sessionIdOf(message), message, deliveries: 0, lock: undefined };
  }
}
