/**
 * `POST /conversation/create` (docs/dynamics-protocol.md §3.1): an active conversation of the same `customerid` (or
 * the same `conversationrequestid`) is returned with `isNew:false` and the start message is not used; otherwise a
 * new Open conversation, with the start message as its first customer message and its `messageId`.
 */
import type { Conversation } from './conversationStore';
import { type CreateRequest, parseCreate } from './createRequest';
import type { ConversationDeps, HandlerResult } from './deps';
import { messageIdOf, newGuid, offsetTimestamp } from './ids';
import { maskPhone } from './log';
import type { Caller } from './requestChecks';

export function handleCreate(deps: ConversationDeps, caller: Caller, body: unknown): HandlerResult {
  const parsed = parseCreate(body);
  if (!parsed.ok) return parsed;
  const request = parsed.value;
  const channelId = caller.channel.channelId;
  const existing = findExisting(deps, channelId, request);
  if (existing) {
    deps.logger.info('dynamics sandbox: create returned existing', { conversationId: existing.id });
    return { ok: true, body: { conversationId: existing.id, isNew: false } };
  }
  const conversation = create(deps, channelId, request);
  const start = conversation.messages[0];
  deps.logger.info('dynamics sandbox: conversation created', {
    conversationId: conversation.id,
    phone: maskPhone(request.customerContext.phonenumber),
    startMessage: start !== undefined,
  });
  return {
    ok: true,
    body: { conversationId: conversation.id, isNew: true, ...(start && { messageId: start.messageId }) },
  };
}

function findExisting(deps: ConversationDeps, channelId: string, request: CreateRequest): Conversation | undefined {
  const customerId = request.customerContext.customerid;
  if (customerId) {
    const found = deps.store.findApiActive(channelId, (c) => c.customerContext.customerid === customerId);
    if (found) return found;
  }
  const requestId = request.conversationRequestId;
  return requestId ? deps.store.findApiActive(channelId, (c) => c.conversationRequestId === requestId) : undefined;
}

function create(deps: ConversationDeps, channelId: string, request: CreateRequest): Conversation {
  const createdAtMs = deps.clock.next();
  const conversation: Conversation = {
    id: newGuid(),
    channelId,
    state: 'Open',
    createdAtMs,
    customerContext: request.customerContext,
    context: new Map(request.context),
    contextAvailableAtMs: createdAtMs + deps.config.contextDelayMs,
    ...(request.conversationRequestId !== undefined && { conversationRequestId: request.conversationRequestId }),
    ...(request.skipDeflectionBot !== undefined && { skipDeflectionBot: request.skipDeflectionBot }),
    customerActivities: [],
    messages: [],
    history: [{ at: new Date(createdAtMs).toISOString(), state: 'Open', cause: 'created' }],
  };
  if (request.startMessage) {
    const epochMs = deps.clock.next();
    conversation.messages.push({
      epochMs,
      messageId: messageIdOf(epochMs),
      timestamp: offsetTimestamp(epochMs),
      sender: 'customer',
      text: request.startMessage.message,
      attachments: [],
      from: request.startMessage.displayname ? { name: request.startMessage.displayname } : {},
      channelData: {},
      automated: false,
    });
  }
  deps.store.add(conversation);
  return conversation;
}
