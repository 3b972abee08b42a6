import type { Message } from 'rhea';

import { sessionIdOf, type StoredMessage } from './storedMessage';

interface Held {
  readonly seq: number;
  readonly dueAt: number;
  readonly message: Message;
}

/** setTimeout takes at most 2^31-1 ms (about 24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Messages held until their scheduled enqueue time, then released to the entity in due order.
 * One timer, for the earliest due message.
 */
export class Schedule {
  private readonly held = new Map<number, Held>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly release: (message: Message, seq: number) => void) {}

  get size(): number {
    return this.held.size;
  }

  hold(message: Message, seq: number, dueAt: number): void {
    this.held.set(seq, { seq, dueAt, message });
    this.arm();
  }

  /** The sequence numbers that are not (or no longer) scheduled; when there are any, nothing is cancelled. */
  cancel(seqs: readonly number[]): number[] {
    const missing = seqs.filter((seq) => !this.held.has(seq));
    if (missing.length > 0) return missing;
    for (const seq of seqs) this.held.delete(seq);
    this.arm();
    return [];
  }

  /** Every held message with its due time, in sequence order (a snapshot keeps them: snapshot.ts). */
  entries(): Array<{ message: Message; dueAt: number }> {
    return [...this.held.values()].sort((a, b) => a.seq - b.seq).map((h) => ({ message: h.message, dueAt: h.dueAt }));
  }

  /** Scheduled messages as peek shows them: with their sequence number, enqueued at their due time. */
  peek(fromSeq: number, count: number, sessionId?: string): StoredMessage[] {
    return [...this.held.values()]
      .filter((h) => h.seq >= fromSeq && (sessionId === undefined || sessionIdOf(h.message) === sessionId))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, count)
      .map((h) => ({
        seq: h.seq,
        enqueuedAt: h.dueAt,
        sessionId: sessionIdOf(h.message),
        message: h.message,
        deliveries: 0,
        lock: undefined,
      }));
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    let next: number | undefined;
    for (const h of this.held.values()) if (next === undefined || h.dueAt < next) next = h.dueAt;
    if (next === undefined) return;
    this.timer = setTimeout(() => this.releaseDue(), Math.min(Math.max(0, next - Date.now()), MAX_TIMER_MS));
    // Held messages must not keep the process (or a test run) alive.
    this.timer.unref();
  }

  private releaseDue(): void {
    const now = Date.now();
    const due = [...this.held.values()]
      .filter((h) => h.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    for (const h of due) this.held.delete(h.seq);
    this.arm();
    for (const h of due) this.release(h.message, h.seq);
  }
}
