import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The Service Bus extension's own default when host.json does not set it (extension 5.x). */
const EXTENSION_DEFAULT_SESSIONS = 8;

export interface HostServiceBusSettings {
  maxConcurrentSessions: number;
  /** sessionIdleTimeout in ms; absent when host.json leaves it out (the consumer's own default applies). */
  sessionIdleMs?: number;
}

/**
 * What host.json tells the Functions host about Service Bus triggers, so that the local consumers run as Azure
 * will rather than with numbers of their own. host.json sits at the project root: two levels above the compiled
 * dist/local/, one above local/ under ts-jest.
 */
export function hostServiceBusSettings(from = __dirname): HostServiceBusSettings {
  const file = findHostJson(from);
  if (!file) return { maxConcurrentSessions: EXTENSION_DEFAULT_SESSIONS };
  const host = JSON.parse(readFileSync(file, 'utf8')) as {
    extensions?: { serviceBus?: { maxConcurrentSessions?: unknown; sessionIdleTimeout?: unknown } };
  };
  const serviceBus = host.extensions?.serviceBus ?? {};
  const sessions = serviceBus.maxConcurrentSessions ?? EXTENSION_DEFAULT_SESSIONS;
  if (typeof sessions !== 'number' || !Number.isInteger(sessions) || sessions < 1)
    throw new Error(`${file}: extensions.serviceBus.maxConcurrentSessions must be a whole number ≥ 1.`);
  if (serviceBus.sessionIdleTimeout === undefined) return { maxConcurrentSessions: sessions };
  const idleMs = timeSpanMs(serviceBus.sessionIdleTimeout);
  if (idleMs === undefined || idleMs <= 0)
    throw new Error(
      `${file}: extensions.serviceBus.sessionIdleTimeout must be a positive time span such as "00:00:01".`,
    );
  return { maxConcurrentSessions: sessions, sessionIdleMs: idleMs };
}

/** host.json's TimeSpan form, `[d.]hh:mm:ss[.fff]`, in ms; undefined when it is not one. */
function timeSpanMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value);
  if (!m) return undefined;
  const [, days = '0', hours, minutes, seconds, fraction = '0'] = m;
  if (Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  const wholeSeconds = ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
  return wholeSeconds * 1000 + Math.round(Number(`0.${fraction}`) * 1000);
}

function findHostJson(from: string): string | undefined {
  let dir = path.resolve(from);
  for (let up = 0; up < 3; up++) {
    const file = path.join(dir, 'host.json');
    if (existsSync(file)) return file;
    dir = path.dirname(dir);
  }
  return undefined;
}
