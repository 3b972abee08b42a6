/**
 * A progress bar on stderr: `[#####-----]  42%  phase`. On a terminal it redraws in place (at most every 100 ms);
 * elsewhere (CI logs) it writes one line per phase.
 */
export interface Progress {
  phase(name: string): void;
  tick(units?: number): void;
  done(): void;
}

const WIDTH = 30;

export function progressBar(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let done = 0;
  let name = '';
  let drawnAt = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!tty || (!force && now - drawnAt < 100)) return;
    drawnAt = now;
    const share = Math.min(0.99, done / Math.max(1, total));
    const filled = Math.round(share * WIDTH);
    stream.write(
      `\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${name.padEnd(48)}`,
    );
  };
  return {
    phase(next) {
      name = next;
      if (tty) draw(true);
      else stream.write(`bench: ${(Math.min(0.99, done / Math.max(1, total)) * 100).toFixed(0)}% ${next}\n`);
    },
    tick(units = 1) {
      done += units;
      draw();
    },
    done() {
      if (tty) stream.write(`\r[${'#'.repeat(WIDTH)}] 100%  ${'done'.padEnd(48)}\n`);
      else stream.write('bench: 100% done\n');
    },
  };
}

/** For callers (the test) that want no bar. */
export const noProgress: Progress = { phase() {}, tick() {}, done() {} };
