import type { Timer } from '@azure/functions';

import type { Logger } from '../shared/log';
import { invocationContext } from './invocationContext';
import type { TimerFunction } from './loadFunctions';
import { parseSchedule, type Schedule } from './ncrontab';
import { wakeablePauses } from './wakeablePauses';

/**
 * Runs the timer functions the way the Functions host does: at each occurrence of the schedule, or at start when
 * `runOnStartup` says so, one run at a time per function (an occurrence that falls during a run is skipped).
 * A run that fails is logged and the schedule carries on.
 */
export interface TimerHostOptions {
  functions: TimerFunction[];
  logger: Logger;
  /** Replaces every schedule with a fixed pause between runs (LOCAL_TIMER_INTERVAL_SECONDS). */
  intervalMs?: number;
}

export interface TimerHost {
  stop(): Promise<void>;
}

/** Node's longest timeout; a later occurrence is waited for in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function startTimerHost(options: TimerHostOptions): TimerHost {
  const { logger, intervalMs } = options;
  let running = true;
  const pauses = wakeablePauses();

  async function invoke(fn: TimerFunction, last: Date, next: Date) {
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: last.toISOString(), next: next.toISOString(), lastUpdated: new Date().toISOString() },
    };
    try {
      await fn.handler(timer, invocationContext(fn.name, logger));
    } catch (error) {
      logger.error(`[${fn.name}] timer run failed`, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  async function drive(fn: TimerFunction, schedule: Schedule) {
    const nextAfter = (t: Date) => (intervalMs === undefined ? schedule.next(t) : new Date(t.getTime() + intervalMs));
    let last = new Date();
    if (fn.runOnStartup) await invoke(fn, last, nextAfter(last));
    while (running) {
      const due = nextAfter(new Date());
      while (running && Date.now() < due.getTime())
        await pauses.pause(Math.min(due.getTime() - Date.now(), MAX_TIMEOUT_MS));
      if (!running) return;
      await invoke(fn, last, nextAfter(due));
      last = due;
    }
  }

  // Every schedule is read, and its next occurrence found, before anything runs: a bad one stops the host at start.
  const schedules = options.functions.map((fn) => {
    const schedule = parseSchedule(fn.schedule);
    schedule.next(new Date());
    return schedule;
  });
  const runs = options.functions.map((fn, i) => drive(fn, schedules[i]));

  return {
    async stop() {
      running = false;
      pauses.wakeAll();
      await Promise.all(runs);
    },
  };
}
