import type { InvocationContext } from '@azure/functions';

import type { Logger } from '../../shared/log';

/** Sends service log lines to the invocation's log, so they land in Application Insights with the invocation id. */
export function contextLogger(ctx: InvocationContext): Logger {
  const props = (p?: Record<string, unknown>) => (p && Object.keys(p).length ? [p] : []);
  return {
    info: (m, p) => ctx.log(m, ...props(p)),
    warn: (m, p) => ctx.warn(m, ...props(p)),
    error: (m, p) => ctx.error(m, ...props(p)),
  };
}
