import type { ConversationState } from '../../shared/domain/conversationState';
import type { ConversationRecord, MessageRecord, ThreadRecord } from '../../shared/domain/thread';

/** Records for the contract tests, each with a fresh id so that tests on one adapter never meet. */
let seq = 0;
export const uniqueId = (prefix: string) => `${prefix}${process.pid}x${++seq}`;

export const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();

export function threadRecord(threadId = uniqueId('T'), overrides: Partial<ThreadRecord> = {}): ThreadRecord {
  return {
    threadId,
    account: 'ACCOUNT-1',
    supportNumber: '14252306549',
    customerNumber: '15555550100',
    createdAt: at(0),
    updatedAt: at(0),
    nextMessage: 1,
    ...overrides,
  };
}

export function conversationRecord(
  n: number,
  overrides: Partial<ConversationRecord> & { state?: ConversationState } = {},
): ConversationRecord {
  return {
    n,
    state: 'open',
    queue: 'general',
    priority: 0,
    createdAt: at(0),
    updatedAt: at(0),
    inboundCount: 1,
    outboundCount: 0,
    ...overrides,
  };
}

export function messageRecord(conversation: number, m: number, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    conversation,
    m,
    direction: 'inbound',
    text: `message ${m}`,
    segments: 1,
    encoding: 'GSM-7',
    createdAt: at(m),
    ...overrides,
  };
}
