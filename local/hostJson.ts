import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The Service Bus extension's own default when host.json does not set it (extension 5.x). */
const EXTENSION_DEFAULT_SESSIONS = 8;

/**
 * What host.json tells the Functions host about Service Bus triggers, so that the local consumers run as Azure
 * will rather than with a number of their own. host.json sits at the project root: two levels above the compiled
 * dist/local/, one above local/ under ts-jest.
 */
export function hostServiceBusSettings(from = __dirname): { maxConcurrentSessions: number } {
  const file = findHostJson(from);
  if (!file) return { maxConcurrentSessions: EXTENSION_DEFAULT_SESSIONS };
  const host = JSON.parse(readFileSync(file, 'utf8')) as {
    extensions?: { serviceBus?: { maxConcurrentSessions?: unknown } };
  };
  const sessions = host.extensions?.serviceBus?.maxConcurrentSessions;
  if (sessions === undefined) return { maxConcurrentSessions: EXTENSION_DEFAULT_SESSIONS };
  if (typeof sessions !== 'number' || !Number.isInteger(sessions) || sessions < 1)
    throw new Error(`${file}: extensions.serviceBus.maxConcurrentSessions must be a whole number ≥ 1.`);
  return { maxConcurrentSessions: sessions };
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
