import { findAccount, type TelesignAccount } from '../config';
import type { MessageReceivedEvent } from '../domain/channelEvents';
import type { ConversationRecord } from '../domain/thread';
import type { ContextValue } from '../dynamics/messagingClient';

/**
 * Shown to the agent with the conversation (docs/dynamics-protocol.md §3.5): which of our conversations it mirrors,
 * where the customer wrote and how we routed it.
 */
export function conversationContextOf(
  event: MessageReceivedEvent,
  conversationId: string,
  conversation: Pick<ConversationRecord, 'queue' | 'priority'>,
  accounts: readonly TelesignAccount[],
): Record<string, ContextValue> {
  const number = findAccount(accounts, event.account)?.supportNumbers.find((s) => s.number === event.to.digits);
  return {
    conversationId,
    supportNumber: event.to.e164,
    ...(number?.description ? { supportNumberDescription: number.description } : {}),
    ...(number?.defaultLanguage ? { language: number.defaultLanguage } : {}),
    queue: conversation.queue,
    priority: conversation.priority,
  };
}
