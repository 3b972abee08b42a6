import type { HttpFunctionOptions, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { getApp } from '../../shared/app';
import type { ConversationAction } from '../../shared/domain/conversationState';
import type { Outcome } from '../../shared/outcome';
import { answerOk } from './answerOk';
import { contextLogger } from './contextLogger';
import { readJson } from './readJson';

/** How every move is triggered; each function file names its own route. */
export const moveTrigger: Pick<HttpFunctionOptions, 'methods' | 'authLevel'> = {
  methods: ['POST'],
  authLevel: 'function',
};

/**
 * Assign, wait and close: the body parsed (`optional`: an empty one will do) into the domain's action, applied to
 * the conversation in the route.
 */
export async function moveConversation<T>(
  req: HttpRequest,
  ctx: InvocationContext,
  parse: (body: unknown) => Outcome<T>,
  toAction: (value: T) => ConversationAction,
  { optional = false } = {},
): Promise<HttpResponseInit> {
  const body = await readJson(req, { optional });
  if (!body.ok) return answerOk(body);
  const parsed = parse(body.value);
  if (!parsed.ok) return answerOk(parsed);
  return answerOk(await getApp().conversations.change(req.params.id, toAction(parsed.value), contextLogger(ctx)));
}
