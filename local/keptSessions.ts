/**
 * The drained sessions a consumer keeps open for their next message, and the sessions its probe took while every
 * worker held one. Keeping a session saves the next accept, whose claim, attach and detach cost the local process
 * several times what the message itself costs. A kept session must not block one that has messages: the probe's
 * accept is how the consumer learns of such a session (the broker hands it to a waiting accept at once), and the
 * longest-kept session then lets its worker go to take it.
 */
export class KeptSessions<R> {
  /** Oldest first: a Set iterates in insertion order. */
  private readonly kept = new Set<AbortController>();
  private readonly handed: R[] = [];
  private readonly listeners = new Set<() => void>();

  /** Sessions the probe took that no worker has picked up yet. */
  get pending(): number {
    return this.handed.length;
  }

  /** Marks a session kept until `release`; its signal aborts when another session needs its worker. */
  keep(): { signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    this.kept.add(controller);
    this.notify();
    return {
      signal: controller.signal,
      release: () => {
        if (this.kept.delete(controller)) this.notify();
      },
    };
  }

  /** The probe's session: queued for the next free worker, and the longest-kept session frees its worker. */
  handOver(receiver: R): void {
    this.handed.push(receiver);
    const [oldest] = this.kept;
    if (oldest) {
      this.kept.delete(oldest);
      oldest.abort();
    }
    this.notify();
  }

  /** A session the probe took, which a free worker handles before it accepts one of its own. */
  takeHandedOver(): R | undefined {
    const receiver = this.handed.shift();
    if (receiver !== undefined) this.notify();
    return receiver;
  }

  /** Resolves at the next change of what is kept or handed over, or of what `notify` reports. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.listeners.delete(done);
        resolve();
      };
      this.listeners.add(done);
    });
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** At stop: every kept wait ends now, and no worker takes a session the probe took (the consumer closes it). */
  stop(): void {
    for (const controller of this.kept) controller.abort();
    this.kept.clear();
    this.handed.splice(0);
    this.notify();
  }
}
