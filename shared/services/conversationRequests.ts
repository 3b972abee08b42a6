import { z } from 'zod';

import { type ConversationState, conversationStates } from '../domain/conversationState';
import { failure, type Outcome, success } from '../outcome';

/** Query strings and bodies of the conversations API, validated before any storage call. */

const limit = z.coerce.number().int().min(1).max(100).default(25);
const token = z.string().min(1).max(2048).optional();

export const listQuerySchema = z.strictObject({
  state: z.enum(conversationStates).optional(),
  queue: z.string().min(1).max(100).optional(),
  limit,
  continuationToken: token,
});
export const messagesQuerySchema = z.strictObject({ limit, continuationToken: token });

export const assignBodySchema = z.strictObject({ agentId: z.string().trim().min(1).max(200) });
export const waitBodySchema = z.strictObject({});
export const closeBodySchema = z.strictObject({ reason: z.string().trim().min(1).max(200).optional() });

export interface ListQuery {
  state?: ConversationState;
  queue?: string;
  limit: number;
  continuationToken?: string;
}
export interface PageQuery {
  limit: number;
  continuationToken?: string;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): Outcome<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return success(parsed.data);
  return failure('invalid_request', `${what} is not valid.`, {
    issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

/** An empty parameter (`?state=`) means "no filter", as forms and flows tend to send it. */
function queryObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) if (value !== '' && !(key in out)) out[key] = value;
  return out;
}

export const parseListQuery = (params: URLSearchParams): Outcome<ListQuery> =>
  parse(listQuerySchema, queryObject(params), 'The query');
export const parseMessagesQuery = (params: URLSearchParams): Outcome<PageQuery> =>
  parse(messagesQuerySchema, queryObject(params), 'The query');
export const parseAssignBody = (body: unknown) => parse(assignBodySchema, body, 'The body ({ agentId })');
export const parseWaitBody = (body: unknown) => parse(waitBodySchema, body, 'The body (empty)');
export const parseCloseBody = (body: unknown) => parse(closeBodySchema, body, 'The body ({ reason? })');
