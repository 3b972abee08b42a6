import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { parseWaitBody } from '../shared/services/conversationRequests';
import { guarded } from './support/guarded';
import { moveConversation, moveTrigger } from './support/moveConversation';

/** The agent waits for the customer; the body is empty. */
export async function waitConversation(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  return moveConversation(req, ctx, parseWaitBody, () => ({ kind: 'wait' }), { optional: true });
}

app.http('waitConversation', { ...moveTrigger, handler: guarded(waitConversation), route: 'conversations/{id}/wait' });
