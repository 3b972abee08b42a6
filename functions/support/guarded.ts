import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { unexpectedErrorResponse } from '../../shared/http/toHttp';

type HttpHandler = (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;

/** The last line of defence of an HTTP function: an unexpected error is logged by name only and answered 500. */
export function guarded(handler: HttpHandler): HttpHandler {
  return async (req, ctx) => {
    try {
      return await handler(req, ctx);
    } catch (error) {
      ctx.error(`${ctx.functionName} failed unexpectedly`, { error: error instanceof Error ? error.name : 'unknown' });
      return unexpectedErrorResponse(error);
    }
  };
}
