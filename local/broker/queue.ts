import { randomUUID } from 'crypto';
import type { Message } from 'rhea';

import { amqpError, type AmqpErrorInfo, Condition } from './conditions';
import { DuplicateFilter } from './duplicateFilter';
import type { QueueSettings } from './options';
import type { StoredMessage } from './storedMessage';
import { Subqueue } from './subqueue';

/** A queue with its dead-letter sub-queue, its sequence numbers and its duplicate detection. */
export class Queue {
  readonly active: Subqueue;
  readonly deadLetter: Subqueue;
  private readonly duplicates: DuplicateFilter;
  private nextSeq = 1;

  constructor(readonly settings: QueueSettings) {
    this.duplicates = new DuplicateFilter(settings.duplicateDetectionWindowMs);
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

  /** All or nothing: a batch with one message lacking a session id is refused whole. Duplicates are dropped silently. */
  publish(messages: readonly Message[]): AmqpErrorInfo | undefined {
    if (this.settings.requiresSession && messages.some((m) => !hasSessionId(m))) {
      return amqpError(
        Condition.notAllowed,
        `The SessionId was not set on a message, and it cannot be sent to the entity '${this.settings.name}'. Entities that have session support enabled can only receive messages that have the SessionId set.`,
      );
    }
    const now = Date.now();
    for (const message of messages) {
      // Service Bus gives every message an id; the SDK's lock renewal relies on it.
      if (message.message_id === undefined || message.message_id === null)
        message.message_id = randomUUID().replace(/-/g, '');
      else if (this.duplicates.isDuplicate(message.message_id, now)) continue;
      this.active.add(this.stored(message, now));
    }
    return undefined;
  }

  private moveToDeadLetter(message: StoredMessage): void {
    // The dead-letter queue is its own entity with its own sequence; the delivery count travels along.
    this.deadLetter.add({ ...this.stored(message.message, Date.now()), deliveries: message.deliveries });
  }

  private stored(message: Message, enqueuedAt: number): StoredMessage {
    const sessionId = hasSessionId(message) ? String(message.group_id) : undefined;
    return { seq: this.nextSeq++, enqueuedAt, sessionId, message, deliveries: 0, lock: undefined };
  }
}

function hasSessionId(message: Message): boolean {
  return message.group_id !== undefined && message.group_id !== null;
}
