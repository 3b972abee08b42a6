import { amqpError, type AmqpErrorInfo, Condition } from './conditions';
import { type LockToken, newLockToken } from './lockToken';
import { type LockHolder, mergeApplicationProperties, type StoredMessage } from './storedMessage';

export interface SubqueueSettings {
  readonly path: string;
  readonly sessionful: boolean;
  readonly maxDeliveryCount: number;
  readonly lockDurationMs: number;
}

/** Moves a message out of this sub-queue into the dead-letter one. */
export type DeadLetterSink = (message: StoredMessage) => void;

export interface Lease {
  readonly message: StoredMessage;
  readonly token: LockToken;
  readonly lockedUntil: number;
}

export type Settlement = { ok: true } | { ok: false; error: AmqpErrorInfo };

/** Messages of one session in enqueue order; a non-session sub-queue has a single bucket with id ''. */
interface Bucket {
  readonly id: string;
  readonly messages: StoredMessage[];
  holder: LockHolder | undefined;
  lockedUntil: number;
  lockTimer: NodeJS.Timeout | undefined;
  state: Buffer | undefined;
}

/** Offered an unlocked session with messages; returns true when it took it. */
export type SessionWaiter = (sessionId: string) => boolean;

const OK: Settlement = { ok: true };
const NO_SESSION = '';

/**
 * One message store: a queue's active messages or its dead-letter messages. It owns message and session
 * locks; receiving links are LockHolders that it wakes when messages become available to them.
 */
export class Subqueue {
  private readonly buckets = new Map<string, Bucket>();
  private readonly locked = new Map<string, StoredMessage>();
  /** Session sub-queues: the bucket each holder has locked. Non-session: every attached holder. */
  private readonly holders = new Map<LockHolder, Bucket | undefined>();
  private readonly waiters: SessionWaiter[] = [];

  constructor(
    readonly settings: SubqueueSettings,
    private readonly deadLetterSink: DeadLetterSink | undefined,
  ) {}

  get sessionful(): boolean {
    return this.settings.sessionful;
  }

  /** Messages held, locked or not. */
  get size(): number {
    let count = 0;
    for (const bucket of this.buckets.values()) count += bucket.messages.length;
    return count;
  }

  add(message: StoredMessage): void {
    const bucket = this.bucket(this.sessionful ? (message.sessionId ?? NO_SESSION) : NO_SESSION);
    bucket.messages.push(message);
    this.notify(bucket);
  }

  /** Non-session sub-queues only: a link that takes any message. */
  attach(holder: LockHolder): void {
    this.holders.set(holder, undefined);
  }

  /** Locks the session for the holder; undefined when another holder has it. Creates empty sessions on demand. */
  lockSession(sessionId: string, holder: LockHolder): number | undefined {
    const bucket = this.bucket(sessionId);
    if (bucket.holder && bucket.holder !== holder) return undefined;
    bucket.holder = holder;
    this.holders.set(holder, bucket);
    this.extendSessionLock(bucket);
    return bucket.lockedUntil;
  }

  /** The unlocked session whose oldest available message is oldest, if any. */
  nextAvailableSession(): string | undefined {
    let best: { id: string; seq: number } | undefined;
    for (const bucket of this.buckets.values()) {
      if (bucket.holder) continue;
      const first = firstAvailable(bucket);
      if (first && (!best || first.seq < best.seq)) best = { id: bucket.id, seq: first.seq };
    }
    return best?.id;
  }

  waitForSession(waiter: SessionWaiter): () => void {
    this.waiters.push(waiter);
    return () => {
      const index = this.waiters.indexOf(waiter);
      if (index >= 0) this.waiters.splice(index, 1);
    };
  }

  /** Locks and returns the holder's next message; session order is enqueue order, abandoned messages first. */
  takeNext(holder: LockHolder): Lease | undefined {
    const bucket = this.sessionful ? this.holders.get(holder) : this.buckets.get(NO_SESSION);
    if (!bucket || (this.sessionful && bucket.holder !== holder)) return undefined;
    const message = firstAvailable(bucket);
    if (!message) return undefined;
    const token = newLockToken();
    const lockedUntil = this.sessionful ? bucket.lockedUntil : Date.now() + this.settings.lockDurationMs;
    message.lock = { token: token.id, until: lockedUntil, holder, timer: undefined };
    if (!this.sessionful)
      message.lock.timer = unrefTimer(() => this.expireMessageLock(message, token.id), this.settings.lockDurationMs);
    message.deliveries += 1;
    this.locked.set(token.id, message);
    return { message, token, lockedUntil };
  }

  /** `holder` is the link that settles; undefined for settlement through $management. */
  complete(token: string, holder?: LockHolder): Settlement {
    const found = this.lockedMessage(token, holder);
    if (!found.ok) return found;
    this.unlock(found.message);
    this.remove(found.message);
    return OK;
  }

  abandon(token: string, holder?: LockHolder, properties?: Record<string, unknown>): Settlement {
    const found = this.lockedMessage(token, holder);
    if (!found.ok) return found;
    this.unlock(found.message);
    mergeApplicationProperties(found.message, properties);
    this.returnOrExhaust(found.message);
    return OK;
  }

  deadLetter(token: string, holder?: LockHolder, properties?: Record<string, unknown>): Settlement {
    const found = this.lockedMessage(token, holder);
    if (!found.ok) return found;
    if (!this.deadLetterSink)
      return {
        ok: false,
        error: amqpError(Condition.notAllowed, 'a dead-lettered message cannot be dead-lettered again'),
      };
    this.unlock(found.message);
    mergeApplicationProperties(found.message, properties);
    this.remove(found.message);
    this.deadLetterSink(found.message);
    return OK;
  }

  renewLock(token: string): number | undefined {
    const message = this.locked.get(token);
    if (!message?.lock) return undefined;
    if (this.sessionful) return message.lock.until;
    clearTimeout(message.lock.timer);
    message.lock.until = Date.now() + this.settings.lockDurationMs;
    message.lock.timer = unrefTimer(() => this.expireMessageLock(message, token), this.settings.lockDurationMs);
    return message.lock.until;
  }

  renewSessionLock(sessionId: string): number | undefined {
    const bucket = this.buckets.get(sessionId);
    if (!bucket?.holder) return undefined;
    this.extendSessionLock(bucket);
    return bucket.lockedUntil;
  }

  getSessionState(sessionId: string): Buffer | undefined {
    return this.buckets.get(sessionId)?.state;
  }

  setSessionState(sessionId: string, state: Buffer | undefined): void {
    const bucket = this.bucket(sessionId);
    bucket.state = state;
    this.dropIfIdle(bucket);
  }

  sessionIds(): string[] {
    return [...this.buckets.values()]
      .filter((b) => b.id !== NO_SESSION && (b.messages.length > 0 || b.state))
      .map((b) => b.id);
  }

  peek(fromSeq: number, count: number, sessionId?: string): StoredMessage[] {
    const buckets =
      sessionId === undefined
        ? [...this.buckets.values()]
        : [this.buckets.get(sessionId)].filter((b): b is Bucket => !!b);
    return buckets
      .flatMap((b) => b.messages.filter((m) => m.seq >= fromSeq))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, count);
  }

  /**
   * The holder's link is gone. A session's lock goes with its link and its unsettled messages come back
   * (counting as a delivery); a non-session message keeps its lock until expiry, as in Service Bus,
   * so it can still be settled through $management.
   */
  release(holder: LockHolder): void {
    const bucket = this.holders.get(holder);
    this.holders.delete(holder);
    if (!this.sessionful) {
      for (const message of this.locked.values()) if (message.lock?.holder === holder) message.lock.holder = undefined;
      return;
    }
    if (!bucket || bucket.holder !== holder) return;
    clearTimeout(bucket.lockTimer);
    bucket.lockTimer = undefined;
    bucket.holder = undefined;
    for (const message of [...bucket.messages]) {
      if (message.lock?.holder !== holder) continue;
      this.unlock(message);
      this.returnOrExhaust(message, false);
    }
    this.notify(bucket);
  }

  private lockedMessage(
    token: string,
    holder: LockHolder | undefined,
  ): { ok: true; message: StoredMessage } | { ok: false; error: AmqpErrorInfo } {
    const message = this.locked.get(token);
    if (!message?.lock || (holder && message.lock.holder !== holder)) {
      const condition = this.sessionful ? Condition.sessionLockLost : Condition.messageLockLost;
      return {
        ok: false,
        error: amqpError(condition, `the lock on the message with token ${token} was lost or has expired`),
      };
    }
    return { ok: true, message };
  }

  private unlock(message: StoredMessage): void {
    if (!message.lock) return;
    clearTimeout(message.lock.timer);
    this.locked.delete(message.lock.token);
    message.lock = undefined;
  }

  /** Back to its place in the queue, or to the dead-letter queue once it used up its deliveries. */
  private returnOrExhaust(message: StoredMessage, wake = true): void {
    if (this.deadLetterSink && message.deliveries >= this.settings.maxDeliveryCount) {
      mergeApplicationProperties(message, {
        DeadLetterReason: 'MaxDeliveryCountExceeded',
        DeadLetterErrorDescription: `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
      });
      this.remove(message);
      this.deadLetterSink(message);
      return;
    }
    if (wake) this.notify(this.bucketOf(message));
  }

  private expireMessageLock(message: StoredMessage, token: string): void {
    if (message.lock?.token !== token) return;
    this.unlock(message);
    this.returnOrExhaust(message);
  }

  private extendSessionLock(bucket: Bucket): void {
    clearTimeout(bucket.lockTimer);
    bucket.lockedUntil = Date.now() + this.settings.lockDurationMs;
    for (const message of bucket.messages) if (message.lock) message.lock.until = bucket.lockedUntil;
    bucket.lockTimer = unrefTimer(() => {
      const holder = bucket.holder;
      if (!holder) return;
      this.release(holder);
      holder.sessionLockLost();
    }, this.settings.lockDurationMs);
  }

  private notify(bucket: Bucket): void {
    if (!firstAvailable(bucket)) {
      this.dropIfIdle(bucket);
      return;
    }
    if (!this.sessionful) {
      for (const holder of [...this.holders.keys()]) holder.wake();
      return;
    }
    if (bucket.holder) {
      bucket.holder.wake();
      return;
    }
    while (!bucket.holder && this.waiters.length > 0) {
      const waiter = this.waiters.shift();
      if (waiter) waiter(bucket.id);
    }
  }

  private bucketOf(message: StoredMessage): Bucket {
    return this.bucket(this.sessionful ? (message.sessionId ?? NO_SESSION) : NO_SESSION);
  }

  private bucket(id: string): Bucket {
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = { id, messages: [], holder: undefined, lockedUntil: 0, lockTimer: undefined, state: undefined };
      this.buckets.set(id, bucket);
    }
    return bucket;
  }

  private remove(message: StoredMessage): void {
    const bucket = this.bucketOf(message);
    const index = bucket.messages.indexOf(message);
    if (index >= 0) bucket.messages.splice(index, 1);
    this.dropIfIdle(bucket);
  }

  private dropIfIdle(bucket: Bucket): void {
    if (this.sessionful && bucket.messages.length === 0 && !bucket.holder && bucket.state === undefined) {
      this.buckets.delete(bucket.id);
    }
  }
}

function firstAvailable(bucket: Bucket): StoredMessage | undefined {
  return bucket.messages.find((m) => !m.lock);
}

/** Lock timers must not keep the process (or a test run) alive. */
function unrefTimer(callback: () => void, ms: number): NodeJS.Timeout {
  const timer = setTimeout(callback, ms);
  timer.unref();
  return timer;
}
