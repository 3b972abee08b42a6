import type { InvocationContext } from '@azure/functions';

import { capLogFields, type Logger } from '../../shared/log';

/**
 * Sends service log lines to the invocation's log, so they land in Application Insights with the invocation id.
 * Fields are capped and numbers masked on the way (shared/log.ts `capLogFields`).
 */
export function contextLogger(ctx: InvocationContext): Logger {
  const props = (p?: Record<string, unknown>) => (p && Object.keys(p).length ? [capLogFields(p)] : []);
  return {
    debug: (m, p) => ctx.debug(m, ...props(p)),
    info: (m, p) => ctx.log(m, ...props(p)),
    warn: (m, p) => ctx.warn(m, ...props(p)),
    error: (m, p) => ctx.error(m, ...props(p)),
  };
}
