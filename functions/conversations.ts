import { app, type HttpRequest, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import type { ConversationAction } from '../shared/domain/conversationState';
import { toHttp } from '../shared/http/toHttp';
import type { Outcome } from '../shared/outcome';
import {
  parseAssignBody,
  parseCloseBody,
  parseListQuery,
  parseMessagesQuery,
  parseWaitBody,
} from '../shared/services/conversationRequests';
import { contextLogger } from './support/contextLogger';
import { guarded } from './support/guarded';
import { readJson } from './support/readJson';

/** Agents' tools read and act on conversations (DESIGN.md §1): same function-key auth and error format as sending. */
const answer = <T>(work: (req: HttpRequest, ctx: InvocationContext) => Promise<Outcome<T>>) =>
  guarded(async (req, ctx) => toHttp(await work(req, ctx), (value) => ({ status: 200, jsonBody: value })));

export const listConversations = answer(async (req, ctx) => {
  const query = parseListQuery(req.query);
  return query.ok ? getApp().conversations.list(query.value, contextLogger(ctx)) : query;
});

export const getConversation = answer((req, ctx) => getApp().conversations.get(req.params.id, contextLogger(ctx)));

export const listConversationMessages = answer(async (req, ctx) => {
  const query = parseMessagesQuery(req.query);
  return query.ok ? getApp().conversations.messages(req.params.id, query.value, contextLogger(ctx)) : query;
});

/** A transition's body is parsed into the domain's action; wait and close accept an empty body. */
function transitionHandler(toAction: (body: unknown) => Outcome<ConversationAction>, optional: boolean) {
  return answer(async (req, ctx) => {
    const body = await readJson(req, { optional });
    if (!body.ok) return body;
    const action = toAction(body.value);
    return action.ok ? getApp().conversations.change(req.params.id, action.value, contextLogger(ctx)) : action;
  });
}

const mapped = <T, A extends ConversationAction>(
  parsed: Outcome<T>,
  to: (value: T) => A,
): Outcome<ConversationAction> => (parsed.ok ? { ok: true, value: to(parsed.value) } : parsed);

export const assignConversation = transitionHandler(
  (b) => mapped(parseAssignBody(b), (v) => ({ kind: 'assign', agentId: v.agentId })),
  false,
);
export const waitConversation = transitionHandler((b) => mapped(parseWaitBody(b), () => ({ kind: 'wait' })), true);
export const closeConversation = transitionHandler(
  (b) => mapped(parseCloseBody(b), (v) => ({ kind: 'close', reason: v.reason })),
  true,
);

const routes = [
  ['listConversations', 'GET', 'conversations', listConversations],
  ['getConversation', 'GET', 'conversations/{id}', getConversation],
  ['listConversationMessages', 'GET', 'conversations/{id}/messages', listConversationMessages],
  ['assignConversation', 'POST', 'conversations/{id}/assign', assignConversation],
  ['waitConversation', 'POST', 'conversations/{id}/wait', waitConversation],
  ['closeConversation', 'POST', 'conversations/{id}/close', closeConversation],
] as const;

for (const [name, method, route, handler] of routes) {
  app.http(name, { methods: [method], authLevel: 'function', route, handler });
}
