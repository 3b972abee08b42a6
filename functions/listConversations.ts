import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { parseListQuery } from '../shared/services/conversationRequests';
import { answerOk } from './support/answerOk';
import { contextLogger } from './support/contextLogger';
import { guarded } from './support/guarded';

/**
 * Agents' tools list conversations by state and queue, newest activity first, in pages (docs/architecture.md
 * §Flows). Same function-key auth and error format as sending, as every conversation route.
 */
export async function listConversations(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  const query = parseListQuery(req.query);
  return answerOk(query.ok ? await getApp().conversations.list(query.value, contextLogger(ctx)) : query);
}

app.http('listConversations', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'conversations',
  handler: guarded(listConversations),
});
