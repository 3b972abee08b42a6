import { randomUUID } from 'node:crypto';

import { InvocationContext } from '@azure/functions';

import type { Logger } from '../shared/log';

/** An invocation context like the worker's, whose log lines go to the local host's logger. */
export function invocationContext(
  functionName: string,
  logger: Logger,
  triggerMetadata?: Record<string, unknown>,
): InvocationContext {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName,
    triggerMetadata,
    logHandler: (level, ...args) => {
      const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      const write =
        level === 'error' || level === 'critical' ? logger.error : level === 'warning' ? logger.warn : logger.info;
      write(`[${functionName}] ${text}`);
    },
  });
}
