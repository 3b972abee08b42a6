import type { ConversationRecord, MessageRecord } from '../domain/thread';

/**
 * Reads for the conversations API: a conversation with who it is with, and its messages in pages.
 */
export interface ConversationView {
  threadId: string;
  account: string;
  supportNumber: string;
  customerNumber: string;
  conversation: ConversationRecord;
}

export interface MessagePage {
  messages: MessageRecord[];
  /** Set when more messages follow the last one. */
  lastM?: number;
}

export interface ConversationReader {
  read(threadId: string, n: number): Promise<ConversationView | undefined>;
  /** At most `limit` messages of conversation `n`, oldest first, after message `afterM`. */
  messages(threadId: string, n: number, afterM: number, limit: number): Promise<MessagePage>;
}
