import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { parseAssignBody } from '../shared/services/conversationRequests';
import { guarded } from './support/guarded';
import { moveConversation, moveTrigger } from './support/moveConversation';

/** An agent takes the conversation: `{ agentId }`. */
export async function assignConversation(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  return moveConversation(req, ctx, parseAssignBody, (v) => ({ kind: 'assign', agentId: v.agentId }));
}

app.http('assignConversation', {
  ...moveTrigger,
  handler: guarded(assignConversation),
  route: 'conversations/{id}/assign',
});
