import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { ConfigError } from '../../shared/config';
import { unexpectedErrorResponse } from '../../shared/http/toHttp';

type HttpHandler = (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;

/**
 * The last line of defence of an HTTP function: an unexpected error is answered 500 and logged by name only
 * (its message may carry request data); a settings error is logged whole, since it names the setting to fix.
 */
export function guarded(handler: HttpHandler): HttpHandler {
  return async (req, ctx) => {
    try {
      return await handler(req, ctx);
    } catch (error) {
      if (error instanceof ConfigError) ctx.error(`${ctx.functionName} cannot run: ${error.message}`);
      else
        ctx.error(`${ctx.functionName} failed unexpectedly`, {
          error: error instanceof Error ? error.name : 'unknown',
        });
      return unexpectedErrorResponse(error);
    }
  };
}
