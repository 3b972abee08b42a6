/**
 * Owns every timer and outgoing request the sandbox starts, so that stop() can cancel them all and leave no
 * open handle behind (jest would otherwise hang or report leaks).
 */
export class SandboxStoppedError extends Error {
  constructor() {
    super('Telesign sandbox stopped');
    this.name = 'SandboxStoppedError';
  }
}

export class Lifecycle {
  private readonly controller = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  after(ms: number, run: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  /** Rejects with SandboxStoppedError if the sandbox stops first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new SandboxStoppedError());
      const onAbort = () => reject(new SandboxStoppedError());
      this.signal.addEventListener('abort', onAbort, { once: true });
      this.after(ms, () => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.controller.abort();
  }
}
