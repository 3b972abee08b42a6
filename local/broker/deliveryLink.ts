import { type Delivery, type EventContext, message as amqpMessage, type Sender } from 'rhea';

import { amqpError, type AmqpErrorInfo, Condition } from './conditions';
import { completeDrain, creditOf, forgetDelivery, isDraining, isTransferred } from './linkControl';
import { lockTokenFromTag } from './lockToken';
import { type LockHolder, toWireMessage } from './storedMessage';
import type { Settlement, Subqueue } from './subqueue';

/** rhea builds outcomes at runtime; its typings leave them out. */
const outcomes = amqpMessage as unknown as Record<
  'accepted' | 'released' | 'modified' | 'rejected',
  (fields?: object) => { described(): unknown }
>;

interface Outcome {
  error?: { condition?: string; description?: string; info?: Record<string, unknown> };
  undeliverable_here?: boolean;
  message_annotations?: Record<string, unknown>;
}

/**
 * A client's receiving link: hands out locked messages as credit allows and turns the client's
 * dispositions into complete / abandon / dead-letter.
 */
export class DeliveryLink implements LockHolder {
  private closed = false;
  private untransferred: Delivery[] = [];
  /** receiveAndDelete: deliveries go out settled and the message is gone once sent. */
  private readonly presettled: boolean;

  constructor(
    private readonly sender: Sender,
    private readonly subqueue: Subqueue,
  ) {
    this.presettled = sender.snd_settle_mode === 1;
  }

  start(): void {
    this.subqueue.attach(this);
    this.listen();
  }

  /** For session links: the session is already locked to this holder. */
  startLocked(): void {
    this.listen();
    this.pump();
  }

  wake(): void {
    this.pump();
  }

  sessionLockLost(): void {
    this.closeWith(amqpError(Condition.sessionLockLost, 'the session lock has expired'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.subqueue.release(this);
  }

  closeWith(error: AmqpErrorInfo): void {
    this.close();
    if (this.sender.is_open()) this.sender.close(error);
  }

  private listen(): void {
    const pump = (): void => this.pump();
    this.sender.on('sendable', pump);
    this.sender.on('sender_draining', pump);
    this.sender.on('accepted', (c: EventContext) =>
      this.settle(c, 'accepted', (token) => this.subqueue.complete(token, this)),
    );
    this.sender.on('released', (c: EventContext) =>
      this.settle(c, 'released', (token) => this.subqueue.abandon(token, this)),
    );
    this.sender.on('modified', (c: EventContext) =>
      this.settle(c, 'modified', (token, outcome) => this.modified(token, outcome)),
    );
    this.sender.on('rejected', (c: EventContext) =>
      this.settle(c, 'rejected', (token, outcome) => this.subqueue.deadLetter(token, this, outcome.error?.info)),
    );
    this.sender.on('sender_close', () => this.close());
    this.sender.on('sender_error', () => this.close());
  }

  private pump(): void {
    if (this.closed || !this.sender.is_open()) return;
    this.untransferred = this.untransferred.filter((d) => !isTransferred(this.sender, d));
    while (this.untransferred.length < creditOf(this.sender) && this.sender.sendable()) {
      const lease = this.subqueue.takeNext(this);
      if (!lease) break;
      const delivery = this.sender.send(
        toWireMessage(lease.message, this.presettled ? undefined : lease.lockedUntil),
        lease.token.tag,
      );
      this.untransferred.push(delivery);
      if (this.presettled) this.subqueue.complete(lease.token.id, this);
    }
    if (isDraining(this.sender)) completeDrain(this.sender);
  }

  /** SDK: abandon = modified(undeliverable_here false), defer = modified(undeliverable_here true). */
  private modified(token: string, outcome: Outcome): Settlement {
    if (outcome.undeliverable_here) {
      return {
        ok: false,
        error: amqpError(Condition.notImplemented, 'deferring messages is not supported by the embedded broker'),
      };
    }
    return this.subqueue.abandon(token, this, outcome.message_annotations);
  }

  /**
   * Settles with the client's outcome stripped of its error: the SDK reads any error in the broker's
   * settlement as a failed settlement, and a dead-letter request carries its reason as an error.
   */
  private settle(
    context: EventContext,
    kind: keyof typeof outcomes,
    apply: (token: string, outcome: Outcome) => Settlement,
  ): void {
    const delivery = context.delivery as Delivery | undefined;
    if (!delivery || delivery.settled) return;
    const tag = typeof delivery.tag === 'string' ? Buffer.from(delivery.tag) : delivery.tag;
    const result = apply(lockTokenFromTag(tag), (delivery.remote_state ?? {}) as Outcome);
    delivery.update(true, (result.ok ? outcomes[kind]() : outcomes.rejected({ error: result.error })).described());
    forgetDelivery(delivery);
    if (result.ok) this.pump();
  }
}
