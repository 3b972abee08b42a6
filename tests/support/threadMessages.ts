import type { MessageRecord } from '../../shared/domain/thread';
import type { ConversationReader } from '../../shared/ports/conversationReader';

/** Every message of a conversation, oldest first: what a test asserts on (no conversation here has 999). */
export async function messagesOf(reader: ConversationReader, threadId: string, n: number): Promise<MessageRecord[]> {
  return (await reader.messages(threadId, n, 0, 999)).messages;
}
