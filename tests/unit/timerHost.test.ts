import type { Timer } from '@azure/functions';

import type { TimerFunction } from '../../local/loadFunctions';
import { startTimerHost } from '../../local/timerHost';
import { capturingLogger } from '../support/capturingLogger';
import { eventually } from '../support/eventually';

const timerFunction = (handler: TimerFunction['handler'], overrides: Partial<TimerFunction> = {}): TimerFunction => ({
  name: 'tick',
  schedule: '0 0 * * * *',
  runOnStartup: false,
  handler,
  ...overrides,
});

describe('the local timer host', () => {
  it('runs a timer every interval when one is set, one run at a time, with a Timer like the host gives', async () => {
    const timers: Timer[] = [];
    let running = 0;
    let overlapped = false;
    const host = startTimerHost({
      functions: [
        timerFunction(async (timer) => {
          overlapped ||= running > 0;
          running++;
          timers.push(timer as Timer);
          await new Promise((r) => setTimeout(r, 30));
          running--;
        }),
      ],
      logger: capturingLogger([]),
      intervalMs: 10,
    });
    await eventually(
      async () => timers.length,
      (n) => n >= 3,
      2000,
    );
    await host.stop();
    expect(timers.length).toBeGreaterThanOrEqual(3);
    expect(overlapped).toBe(false);
    expect(timers[0]).toMatchObject({ isPastDue: false, schedule: { adjustForDST: false } });
    expect(Date.parse(timers[0].scheduleStatus.next)).toBeGreaterThan(Date.parse(timers[0].scheduleStatus.last));
  });

  it('waits for the schedule otherwise, and runs at start only when runOnStartup says so', async () => {
    const runs: string[] = [];
    const host = startTimerHost({
      functions: [
        timerFunction(async () => void runs.push('yearly'), { schedule: '0 0 0 1 1 *' }),
        timerFunction(async () => void runs.push('startup'), { name: 'atStart', runOnStartup: true }),
      ],
      logger: capturingLogger([]),
    });
    await new Promise((r) => setTimeout(r, 100));
    await host.stop();
    expect(runs).toEqual(['startup']);
  });

  it('logs a failed run with the function name and carries on', async () => {
    const logs: string[] = [];
    let calls = 0;
    const host = startTimerHost({
      functions: [
        timerFunction(async () => {
          calls++;
          throw new Error('storage is down');
        }),
      ],
      logger: capturingLogger(logs),
      intervalMs: 10,
    });
    await eventually(
      async () => calls,
      (n) => n >= 2,
      2000,
    );
    await host.stop();
    expect(logs[0]).toBe('error [tick] timer run failed {"error":"storage is down"}');
  });

  it('refuses a schedule it cannot read, at start', () => {
    expect(() =>
      startTimerHost({
        functions: [timerFunction(async () => undefined, { schedule: '00:05:00' })],
        logger: capturingLogger([]),
      }),
    ).toThrow(/timer schedule "00:05:00"/);
  });

  it('stops at once, even with the next run hours away', async () => {
    const host = startTimerHost({ functions: [timerFunction(async () => undefined)], logger: capturingLogger([]) });
    const started = Date.now();
    await host.stop();
    expect(Date.now() - started).toBeLessThan(100);
  });
});
