/** A message not seen by then fails the bench rather than hanging it. */
const ARRIVAL_TIMEOUT_MS = 30_000;

/**
 * Waits for things to show up in an in-process sandbox: one loop for every waiter, a look each millisecond while
 * any waits (`refresh` once per look, then `seen` for each waiter), resolving each with the time of the look that
 * saw it. The sandbox cannot change during a look (one thread), so that time is within a tick of the arrival.
 */
export class ArrivalWatch<W> {
  private readonly waiting = new Set<{
    what: W;
    resolve: (at: number) => void;
    reject: (e: Error) => void;
    by: number;
  }>();
  private running = false;

  constructor(
    private readonly seen: (what: W) => boolean,
    private readonly describe: (what: W) => string,
    private readonly refresh: () => void = () => undefined,
  ) {}

  /** Resolves with performance.now() at the first look that saw it. Call before starting what makes it happen. */
  until(what: W): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.add({ what, resolve, reject, by: performance.now() + ARRIVAL_TIMEOUT_MS });
      if (!this.running) {
        this.running = true;
        void this.loop();
      }
    });
  }

  private async loop(): Promise<void> {
    while (this.waiting.size > 0) {
      await new Promise((r) => setTimeout(r, 1));
      const at = performance.now();
      try {
        this.refresh();
        for (const waiter of this.waiting) {
          if (this.seen(waiter.what)) {
            this.waiting.delete(waiter);
            waiter.resolve(at);
          } else if (at > waiter.by) {
            this.waiting.delete(waiter);
            waiter.reject(new Error(`not seen within ${ARRIVAL_TIMEOUT_MS} ms: ${this.describe(waiter.what)}`));
          }
        }
      } catch (error) {
        // A look that fails (something arrived wrong) fails every wait, and so the bench.
        for (const waiter of this.waiting) waiter.reject(error instanceof Error ? error : new Error(String(error)));
        this.waiting.clear();
      }
    }
    this.running = false;
  }
}
