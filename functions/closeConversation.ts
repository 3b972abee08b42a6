import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { parseCloseBody } from '../shared/services/conversationRequests';
import { guarded } from './support/guarded';
import { moveConversation, moveTrigger } from './support/moveConversation';

/** The conversation is over: `{ reason? }`, or an empty body. */
export async function closeConversation(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  return moveConversation(req, ctx, parseCloseBody, (v) => ({ kind: 'close', reason: v.reason }), { optional: true });
}

app.http('closeConversation', {
  ...moveTrigger,
  handler: guarded(closeConversation),
  route: 'conversations/{id}/close',
});
