import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { answerOk } from './support/answerOk';
import { contextLogger } from './support/contextLogger';
import { guarded } from './support/guarded';

/** One conversation, with both forms of its numbers and the customer's consent. */
export async function getConversation(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  return answerOk(await getApp().conversations.get(req.params.id, contextLogger(ctx)));
}

app.http('getConversation', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'conversations/{id}',
  handler: guarded(getConversation),
});
