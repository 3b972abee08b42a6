import { randomUUID } from 'crypto';
import type { Message } from 'rhea';

import { amqpError, type AmqpErrorInfo, Condition } from './conditions';
import { DuplicateFilter } from './duplicateFilter';
import type { EntranceSettings } from './options';
import { Schedule } from './schedule';

/** Hands an accepted message to the entity: a queue enqueues it (keeping a scheduled one's number), a topic copies it. */
export type Deliver = (message: Message, seq: number | undefined) => void;

const SCHEDULED_ENQUEUE_TIME = 'x-opt-scheduled-enqueue-time';

/**
 * The sending side of a queue or topic: message ids, duplicate detection and the session requirement, then
 * the message goes in now or is held until its scheduled enqueue time.
 */
export class Entrance {
  readonly scheduled: Schedule;
  /** Also read and restored by a snapshot (snapshot.ts), so a restart keeps the window. */
  readonly duplicates: DuplicateFilter;

  constructor(
    readonly settings: EntranceSettings,
    private readonly reserveSequenceNumber: () => number,
    private readonly deliver: Deliver,
  ) {
    this.duplicates = new DuplicateFilter(settings.duplicateDetectionWindowMs);
    this.scheduled = new Schedule((message, seq) => this.deliver(message, seq));
  }

  /** A transfer. All or nothing: a batch with one message lacking a session id is refused whole. */
  publish(messages: readonly Message[]): AmqpErrorInfo | undefined {
    const refused = this.refuse(messages);
    if (refused) return refused;
    const now = Date.now();
    for (const message of messages) {
      if (!this.admit(message, now)) continue;
      const dueAt = scheduledTime(message);
      if (dueAt !== undefined && dueAt > now) this.scheduled.hold(message, this.reserveSequenceNumber(), dueAt);
      else this.deliver(message, undefined);
    }
    return undefined;
  }

  /**
   * com.microsoft:schedule-message: every message gets its sequence number at once, for cancelling. A duplicate
   * gets one too, as the answer must number every message, but nothing is held under it.
   */
  schedule(messages: readonly Message[]): { seqs: number[] } | { error: AmqpErrorInfo } {
    const refused = this.refuse(messages);
    if (refused) return { error: refused };
    const now = Date.now();
    const seqs = messages.map((message) => {
      const seq = this.reserveSequenceNumber();
      if (!this.admit(message, now)) return seq;
      const dueAt = scheduledTime(message) ?? now;
      if (dueAt > now) this.scheduled.hold(message, seq, dueAt);
      else this.deliver(message, seq);
      return seq;
    });
    return { seqs };
  }

  /**
   * A message a snapshot kept scheduled (snapshot.ts): held again under a new sequence number until its time, or
   * released at once when that passed while the broker was stopped.
   */
  restoreScheduled(message: Message, dueAt: number): void {
    this.scheduled.hold(message, this.reserveSequenceNumber(), dueAt);
  }

  /** Service Bus answers MessageNotFound naming the numbers that are not scheduled (any more). */
  cancel(seqs: readonly number[]): AmqpErrorInfo | undefined {
    const missing = this.scheduled.cancel(seqs);
    if (missing.length === 0) return undefined;
    return amqpError(Condition.messageNotFound, `Messages not found. Missing sequence numbers: ${missing.join(', ')}`);
  }

  private refuse(messages: readonly Message[]): AmqpErrorInfo | undefined {
    if (!this.settings.requiresSession || messages.every(hasSessionId)) return undefined;
    return amqpError(
      Condition.notAllowed,
      `The SessionId was not set on a message, and it cannot be sent to the entity '${this.settings.name}'. Entities that have session support enabled can only receive messages that have the SessionId set.`,
    );
  }

  /** False for a duplicate, which is dropped silently as Service Bus does. */
  private admit(message: Message, now: number): boolean {
    // Service Bus gives every message an id; the SDK's lock renewal relies on it.
    if (message.message_id === undefined || message.message_id === null) {
      message.message_id = randomUUID().replace(/-/g, '');
      return true;
    }
    return !this.duplicates.isDuplicate(message.message_id, now);
  }
}

function hasSessionId(message: Message): boolean {
  return message.group_id !== undefined && message.group_id !== null;
}

function scheduledTime(message: Message): number | undefined {
  const value = message.message_annotations?.[SCHEDULED_ENQUEUE_TIME] as unknown;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return undefined;
}
