import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { errorResponse, toHttp } from '../shared/http/toHttp';
import { parseSendRequest } from '../shared/services/sendRequest';
import { contextLogger } from './support/contextLogger';
import { guarded } from './support/guarded';
import { readJson } from './support/readJson';

/** Agents' replies from Dynamics: one SMS per request, or a clear reason why not. */
export async function sendSms(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  const body = await readJson(req);
  if (!body.ok) return errorResponse(body.error);
  const command = parseSendRequest(body.value, req.headers.get('idempotency-key'));
  if (!command.ok) return errorResponse(command.error);
  const outcome = await getApp().send(command.value, contextLogger(ctx));
  return toHttp(outcome, (result) => ({ status: 202, jsonBody: result }));
}

app.http('sendSms', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'messages',
  handler: guarded(sendSms),
});
