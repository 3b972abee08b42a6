import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getApp } from '../shared/app';
import { toHttp, unexpectedErrorResponse } from '../shared/http/toHttp';
import { CALLBACK_MAX_BYTES } from '../shared/services/ingest';
import { contextLogger } from './support/contextLogger';
import { readBodyCapped } from './support/readBody';

/** Telesign's callback URL. Anonymous: the signature over the body is the authentication. */
export async function telesignCallback(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  try {
    const rawBody = await readBodyCapped(req, CALLBACK_MAX_BYTES);
    const outcome = await getApp().ingest(
      { rawBody, authorization: req.headers.get('authorization'), xTsAuthorization: req.headers.get('x-ts-authorization') },
      contextLogger(ctx),
    );
    return toHttp(outcome, () => ({ status: 200, jsonBody: {} }));
  } catch (error) {
    ctx.error('callback failed unexpectedly', { error: error instanceof Error ? error.name : 'unknown' });
    return unexpectedErrorResponse(error);
  }
}

app.http('telesignCallback', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'telesign/callback',
  handler: telesignCallback,
});
