import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { parseMessagesQuery } from '../shared/services/conversationRequests';
import { answerOk } from './support/answerOk';
import { contextLogger } from './support/contextLogger';
import { guarded } from './support/guarded';

/** A conversation's messages, oldest first, with their status timelines, in pages. */
export async function listConversationMessages(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  const query = parseMessagesQuery(req.query);
  return answerOk(
    query.ok ? await getApp().conversations.messages(req.params.id, query.value, contextLogger(ctx)) : query,
  );
}

app.http('listConversationMessages', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'conversations/{id}/messages',
  handler: guarded(listConversationMessages),
});
