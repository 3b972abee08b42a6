/**
 * The three GETs (docs/dynamics-protocol.md §3.3–§3.5), with the example's key casing: `conversationid` and
 * `continuationtoken` in the list, `messageId` and `continuationToken` in messages. Clients are told not to poll
 * them; the sandbox serves them for start-up reconciliation and for tests.
 */
import { type Conversation, isApiActive } from './conversationStore';
import type { ConversationDeps, HandlerResult } from './deps';
import { listTimestamp, newGuid, offsetTimestamp } from './ids';
import { badInput, conversationNotFound } from './problem';
import { parseListQuery, parseMessagesQuery } from './query';
import type { Caller } from './requestChecks';

/** Old continuation tokens are forgotten beyond this many, as a real service would expire them. */
const MAX_CURSORS = 1000;

export function handleList(deps: ConversationDeps, caller: Caller, query: URLSearchParams): HandlerResult {
  const parsed = parseListQuery(query);
  if (!parsed.ok) return parsed;
  const { pageSize, continuationToken } = parsed.value;
  let startAfterMs = parsed.value.startAfterMs;
  let afterMs = Number.NEGATIVE_INFINITY;
  if (continuationToken !== undefined) {
    const cursor = deps.listCursors.get(continuationToken);
    if (!cursor || cursor.channelId !== caller.channel.channelId) {
      return { ok: false, problem: badInput(30009, 'ContinuationToken is unknown or expired.') };
    }
    afterMs = cursor.afterMs;
    startAfterMs = cursor.startAfterMs;
  }
  const matching = deps.store
    .all()
    .filter(
      (c) =>
        c.channelId === caller.channel.channelId &&
        isApiActive(c.state) &&
        c.createdAtMs > afterMs &&
        (startAfterMs === undefined || c.createdAtMs > startAfterMs),
    )
    .sort((a, b) => a.createdAtMs - b.createdAtMs);
  const page = matching.slice(0, pageSize);
  let next: string | null = null;
  if (matching.length > pageSize) {
    next = newGuid();
    deps.listCursors.set(next, {
      channelId: caller.channel.channelId,
      afterMs: page[page.length - 1].createdAtMs,
      ...(startAfterMs !== undefined && { startAfterMs }),
    });
    if (deps.listCursors.size > MAX_CURSORS) deps.listCursors.delete(deps.listCursors.keys().next().value!);
  }
  return {
    ok: true,
    body: {
      conversations: page.map((c) => ({ conversationid: c.id, timestamp: listTimestamp(c.createdAtMs) })),
      continuationtoken: next,
    },
  };
}

/** Readable in any state but Closed ("wasn't found or is already closed"). */
function readable(deps: ConversationDeps, caller: Caller, conversationId: string): Conversation | undefined {
  const c = deps.store.get(conversationId);
  return c && c.channelId === caller.channel.channelId && c.state !== 'Closed' ? c : undefined;
}

export function handleMessages(
  deps: ConversationDeps,
  caller: Caller,
  conversationId: string,
  query: URLSearchParams,
): HandlerResult {
  const conversation = readable(deps, caller, conversationId);
  if (!conversation) return { ok: false, problem: conversationNotFound(conversationId) };
  const parsed = parseMessagesQuery(query);
  if (!parsed.ok) return parsed;
  const { startAfterMs, fromMs, pageSize } = parsed.value;
  const matching = conversation.messages.filter(
    (m) => (startAfterMs === undefined || m.epochMs > startAfterMs) && (fromMs === undefined || m.epochMs >= fromMs),
  );
  const page = matching.slice(0, pageSize);
  const next = matching.length > pageSize ? offsetTimestamp(matching[pageSize].epochMs) : null;
  return {
    ok: true,
    body: {
      messages: page.map((m) => ({
        type: 'message',
        attachments: structuredClone(m.attachments),
        ...(m.text !== undefined && { text: m.text }),
        messageId: m.messageId,
        timestamp: m.timestamp,
        from: { ...m.from },
        channelData: structuredClone(m.channelData),
      })),
      continuationToken: next,
    },
  };
}

export function handleContext(deps: ConversationDeps, caller: Caller, conversationId: string): HandlerResult {
  const conversation = readable(deps, caller, conversationId);
  if (!conversation) return { ok: false, problem: conversationNotFound(conversationId) };
  // "eventual consistency model… Context may not be available immediately after a conversation starts."
  if (Date.now() < conversation.contextAvailableAtMs) return { ok: true, body: { context: [] } };
  return {
    ok: true,
    body: {
      context: [...conversation.context.entries()].map(([name, value]) => ({ name, value: structuredClone(value) })),
    },
  };
}
