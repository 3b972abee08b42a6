import type { TableEntity, TableEntityResult } from '@azure/data-tables';

import { compact } from '../domain/compact';
import type { ConversationRecord, MessageRecord, ThreadRecord } from '../domain/thread';
import { conversationRow, HEAD_ROW, messageRow } from './keys';
import { joinColumn, splitColumn } from './propertyParts';

/**
 * Records ↔ table rows. Rows are flat so that an operator (or a filter) can read them; nested values
 * (the head's copy of the latest conversation, a message's status timeline) are JSON strings.
 */

type Row = TableEntity<Record<string, unknown>>;
export type StoredRow = TableEntityResult<Record<string, unknown>>;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);

export function headRow(thread: ThreadRecord): Row {
  return {
    partitionKey: thread.threadId,
    rowKey: HEAD_ROW,
    ...compact({
      account: thread.account,
      supportNumber: thread.supportNumber,
      customerNumber: thread.customerNumber,
      createdAt: thread.createdAt,
      updatedAt: thread.updatedAt,
      nextMessage: thread.nextMessage,
      currentConversation: thread.conversation?.n,
      currentState: thread.conversation?.state,
      // Its notes can take it past one property: then it is split (`propertyParts.ts`).
      ...splitColumn('conversation', thread.conversation ? JSON.stringify(thread.conversation) : undefined),
    }),
  };
}

export function threadFromRow(row: StoredRow): ThreadRecord {
  return {
    threadId: row.partitionKey!,
    account: str(row.account)!,
    supportNumber: str(row.supportNumber)!,
    customerNumber: str(row.customerNumber)!,
    createdAt: str(row.createdAt)!,
    updatedAt: str(row.updatedAt)!,
    nextMessage: num(row.nextMessage) ?? 1,
    conversation:
      typeof row.conversation === 'string'
        ? (JSON.parse(joinColumn(row, 'conversation')!) as ConversationRecord)
        : undefined,
  };
}

export function conversationRowOf(
  threadId: string,
  thread: Pick<ThreadRecord, 'account' | 'supportNumber' | 'customerNumber'>,
  c: ConversationRecord,
): Row {
  return {
    partitionKey: threadId,
    rowKey: conversationRow(c.n),
    ...compact({
      ...c,
      // Notes carry names from Dynamics (256 characters each, more once JSON escapes them): past one property
      // the list is split (`propertyParts.ts`).
      ...splitColumn('notes', c.notes?.length ? JSON.stringify(c.notes) : undefined),
      account: thread.account,
      supportNumber: thread.supportNumber,
      customerNumber: thread.customerNumber,
    }),
  };
}

export function conversationFromRow(row: StoredRow): ConversationRecord {
  return {
    n: num(row.n)!,
    state: str(row.state) as ConversationRecord['state'],
    queue: str(row.queue)!,
    priority: num(row.priority) ?? 0,
    rule: str(row.rule),
    agentId: str(row.agentId),
    agentName: str(row.agentName),
    dynamicsConversationId: str(row.dynamicsConversationId),
    notes:
      typeof row.notes === 'string'
        ? (JSON.parse(joinColumn(row, 'notes')!) as ConversationRecord['notes'])
        : undefined,
    createdAt: str(row.createdAt)!,
    updatedAt: str(row.updatedAt)!,
    closedAt: str(row.closedAt),
    closeReason: str(row.closeReason),
    previous: num(row.previous),
    inboundCount: num(row.inboundCount) ?? 0,
    outboundCount: num(row.outboundCount) ?? 0,
    lastMessageAt: str(row.lastMessageAt),
    possibleOptOut: bool(row.possibleOptOut),
  };
}

export function messageRowOf(threadId: string, message: MessageRecord): Row {
  const { timeline, ...rest } = message;
  return {
    partitionKey: threadId,
    rowKey: messageRow(message.conversation, message.m),
    // The timeline grows with every report: past one property it is split (`propertyParts.ts`).
    ...compact({ ...rest, ...splitColumn('timeline', timeline ? JSON.stringify(timeline) : undefined) }),
  };
}

export function messageFromRow(row: StoredRow): MessageRecord {
  return {
    conversation: num(row.conversation)!,
    m: num(row.m)!,
    direction: str(row.direction) as MessageRecord['direction'],
    text: str(row.text) ?? '',
    segments: num(row.segments) ?? 0,
    encoding: (str(row.encoding) ?? 'GSM-7') as MessageRecord['encoding'],
    createdAt: str(row.createdAt)!,
    referenceId: str(row.referenceId),
    eventId: str(row.eventId),
    telesignTimestamp: str(row.telesignTimestamp),
    isoCountryCode: str(row.isoCountryCode),
    consentSignal: str(row.consentSignal) as MessageRecord['consentSignal'],
    consentKeyword: str(row.consentKeyword),
    status: str(row.status) as MessageRecord['status'],
    timeline: typeof row.timeline === 'string' ? JSON.parse(joinColumn(row, 'timeline')!) : undefined,
    senderId: str(row.senderId),
    idempotencyKey: str(row.idempotencyKey),
    origin: str(row.origin) as MessageRecord['origin'],
    failureCode: str(row.failureCode),
    failureReason: str(row.failureReason),
    failureDetails: str(row.failureDetails),
  };
}
