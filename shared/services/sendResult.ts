import { conversationIdOf, messageIdOf, type MessageRecord } from '../domain/thread';
import { AppError } from '../errors';
import type { MessagePointer } from '../ports/referenceStore';
import type { SendCommand } from './sendRequest';

/** What `POST /api/messages` answers for a message, the first time and on every retry with the same key. */
export interface SendResult {
  messageId: string;
  conversationId: string;
  referenceId?: string;
  status: NonNullable<MessageRecord['status']>;
  segments: number;
  encoding: MessageRecord['encoding'];
  ucs2Characters: string[];
  /** Present when Telesign may or may not have sent it: the delivery report will tell. */
  note?: string;
}

export function resultOf(message: MessageRecord, pointer: MessagePointer, command: SendCommand): SendResult {
  return {
    messageId: messageIdOf(pointer),
    conversationId: conversationIdOf(pointer.threadId, pointer.conversation),
    referenceId: message.referenceId,
    status: message.status ?? 'queued',
    segments: message.segments,
    encoding: message.encoding,
    ucs2Characters: command.estimate.ucs2Characters,
  };
}

/** The note of an `unknown` answer, the first time and on every retry (the reason is the message's failureReason). */
export function unknownNote(reason: string | undefined): string {
  return `${reason ?? 'the message may have been sent'}; it is not resent, and its delivery report will settle it.`;
}

/** A failed send names its message, so that the caller can look it up. */
export function withMessageId(error: AppError, messageId: string): AppError {
  const details = typeof error.details === 'object' && error.details !== null ? error.details : {};
  return new AppError(error.code, error.message, { ...details, messageId });
}
