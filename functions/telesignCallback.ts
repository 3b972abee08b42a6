import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { toHttp } from '../shared/http/toHttp';
import { CALLBACK_MAX_BYTES } from '../shared/services/ingest';
import { contextLogger } from './support/contextLogger';
import { guarded } from './support/guarded';
import { readBodyCapped } from './support/readBody';

/** Telesign's callback URL. Anonymous: the signature over the body is the authentication. */
export async function telesignCallback(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  const rawBody = await readBodyCapped(req, CALLBACK_MAX_BYTES);
  const outcome = await getApp().ingest(
    {
      rawBody,
      authorization: req.headers.get('authorization'),
      xTsAuthorization: req.headers.get('x-ts-authorization'),
    },
    contextLogger(ctx),
  );
  return toHttp(outcome, () => ({ status: 200, jsonBody: {} }));
}

app.http('telesignCallback', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'telesign/callback',
  handler: guarded(telesignCallback),
});
