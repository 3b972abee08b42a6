import { setMaxListeners } from 'node:events';

/**
 * Owns every timer and outgoing request a sandbox starts, so that stop() can cancel them all and leave no
 * open handle behind (jest would otherwise hang or report leaks).
 */
export class SandboxStoppedError extends Error {
  constructor(sandbox: string) {
    super(`${sandbox} sandbox stopped`);
    this.name = 'SandboxStoppedError';
  }
}

export class Lifecycle {
  private readonly controller = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();

  /** `sandbox` names it in the error its pending work fails with ("Telesign"). */
  constructor(private readonly sandbox: string) {
    // Every outgoing request listens on this one signal; under load many are open at once, which is not a leak.
    setMaxListeners(0, this.controller.signal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  stoppedError(): SandboxStoppedError {
    return new SandboxStoppedError(this.sandbox);
  }

  /** Returns a cancel function; the timer is dropped silently if the sandbox stops first. */
  after(ms: number, run: () => void): () => void {
    if (this.stopped) return () => undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Rejects with SandboxStoppedError if the sandbox stops first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(this.stoppedError());
      const onAbort = () => reject(this.stoppedError());
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
