import { z } from 'zod';

import { conversationStates } from '../domain/conversationState';

/**
 * Continuation tokens are opaque to callers: base64url JSON holding where the page stopped (the index cursor
 * per state, or the last message number) and the query it belongs to, so a token is refused when it is
 * replayed against another query rather than silently paging something else.
 */

/**
 * Text we give out is well-formed. JSON can spell a lone surrogate (`"\ud800"`), which no id, queue or cursor of
 * ours holds: such a token was made up, and passed on it would fail to encode into the storage request's URL, a
 * 500 (storage_rejected) for what is the caller's mistake.
 */
const issuedText = z.string().refine((s) => !/\p{Cs}/u.test(s));

const listCursor = z.strictObject({
  k: z.literal('list'),
  state: z.enum(conversationStates).optional(),
  queue: issuedText.optional(),
  after: z.partialRecord(z.enum(conversationStates), issuedText.min(1).max(200)),
});

const messagesCursor = z.strictObject({
  k: z.literal('messages'),
  id: issuedText,
  m: z.number().int().min(0),
});

export type ListCursor = z.infer<typeof listCursor>;
export type MessagesCursor = z.infer<typeof messagesCursor>;

export const encodeToken = (cursor: ListCursor | MessagesCursor) =>
  Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

function decode<T>(token: string, schema: z.ZodType<T>): T | undefined {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(token)) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const decodeListToken = (token: string) => decode(token, listCursor);
export const decodeMessagesToken = (token: string) => decode(token, messagesCursor);
