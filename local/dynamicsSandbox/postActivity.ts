/**
 * `POST /conversation/{id}` (docs/dynamics-protocol.md §3.2, §4, §6). Taken in the postable states (default Open,
 * Active, Waiting); a customer message revives a Waiting conversation to Open. Unknown, other-channel, Wrap-up and
 * Closed conversations answer 404 30013.
 */
import { parseActivity, type ParsedActivity } from './activityRequest';
import { type Conversation, setState } from './conversationStore';
import type { ConversationDeps, HandlerResult } from './deps';
import { messageIdOf, offsetTimestamp } from './ids';
import { conversationNotFound } from './problem';
import type { Caller } from './requestChecks';
import type { CustomerActivity } from './types';

/** What the documented read-event answer looks like; the sandbox gives it to every activity that is not stored. */
const NO_MESSAGE = { messageId: '', message: null };

export function handlePost(
  deps: ConversationDeps,
  caller: Caller,
  conversationId: string,
  body: unknown,
): HandlerResult {
  const conversation = deps.store.get(conversationId);
  if (
    !conversation ||
    conversation.channelId !== caller.channel.channelId ||
    !deps.config.postableStates.includes(conversation.state)
  ) {
    return { ok: false, problem: conversationNotFound(conversationId) };
  }
  const parsed = parseActivity(body, { channelId: caller.channel.channelId, conversationId });
  if (!parsed.ok) return parsed;
  const receivedAt = Date.now();
  const record = (kind: CustomerActivity['kind'], messageId?: string) =>
    conversation.customerActivities.push({
      kind,
      receivedAt: new Date(receivedAt).toISOString(),
      ...(messageId !== undefined && { messageId }),
      activity: structuredClone(body as Record<string, unknown>),
    });
  return { ok: true, body: apply(deps, conversation, parsed.value, record) };
}

function apply(
  deps: ConversationDeps,
  conversation: Conversation,
  activity: ParsedActivity,
  record: (kind: CustomerActivity['kind'], messageId?: string) => void,
): unknown {
  switch (activity.kind) {
    case 'message': {
      const epochMs = deps.clock.next();
      const messageId = messageIdOf(epochMs);
      conversation.messages.push({
        epochMs,
        messageId,
        timestamp: offsetTimestamp(epochMs),
        sender: 'customer',
        ...(activity.text !== undefined && { text: activity.text }),
        attachments: activity.attachments.map((a) => ({ ...a })),
        from: activity.from,
        channelData: structuredClone(activity.channelData),
        automated: activity.automated,
      });
      record('message', messageId);
      // "The customer revives the conversation" (§6): Waiting → Open, back in the queue.
      if (conversation.state === 'Waiting') setState(conversation, 'Open', 'customer message revived it');
      return { messageId };
    }
    case 'typing':
      record('typing');
      return NO_MESSAGE;
    case 'endOfConversation':
      record('endOfConversation');
      // An assigned agent still wraps up; with nobody assigned there is nothing to wrap up.
      setState(conversation, conversation.state === 'Active' ? 'Wrap-up' : 'Closed', 'customer ended it');
      deps.onCustomerEnded(conversation.id);
      return NO_MESSAGE;
    case 'read':
      record('read');
      if (conversation.readUpTo === undefined || activity.messageId > conversation.readUpTo) {
        conversation.readUpTo = activity.messageId;
      }
      return NO_MESSAGE;
    case 'customEvent': {
      const messageId = messageIdOf(deps.clock.next());
      for (const [name, value] of activity.values) conversation.context.set(name, value);
      record('customEvent', messageId);
      return { messageId };
    }
  }
}
