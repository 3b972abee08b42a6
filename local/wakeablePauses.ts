/**
 * Pauses that a stop can cut short: `wakeAll` ends every pending pause at once, so that a loop waiting for its
 * next turn notices it should stop without waiting the pause out.
 */
export function wakeablePauses() {
  const pending = new Set<() => void>();
  return {
    pause(ms: number): Promise<void> {
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          pending.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        pending.add(done);
      });
    },
    wakeAll() {
      for (const wake of [...pending]) wake();
    },
  };
}
