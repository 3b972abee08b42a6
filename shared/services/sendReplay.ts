import type { ChannelEvent } from '../domain/channelEvents';
import { outboundMessageEvents } from '../domain/channelEventsOf';
import { messageIdOf, type MessageRecord } from '../domain/thread';
import { AppError, type ErrorCode } from '../errors';
import { failure, type Outcome, success } from '../outcome';
import type { MessagePointer } from '../ports/referenceStore';
import type { ThreadStore } from '../ports/threadStore';
import type { WithEvents } from './reactions';
import type { SendCommand } from './sendRequest';
import { resultOf, type SendResult, withMessageId } from './sendResult';

export interface ReplayDeps {
  threads: ThreadStore;
  /** How long a retry waits for a first request with the same idempotency key that is still sending. */
  inFlightWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The same idempotency key again: answer what the first request answered, with the channel events it produced
 * (so that a caller retrying because those were lost gets them again). A first request still talking to
 * Telesign is waited for, so that concurrent retries get the same answer and Telesign gets one request.
 */
export async function replaySend(
  pointer: MessagePointer,
  command: SendCommand,
  deps: ReplayDeps,
): Promise<WithEvents<Outcome<SendResult>>> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (deps.inFlightWaitMs ?? 30_000);
  for (;;) {
    const { message } = await deps.threads.readMessage(pointer.threadId, pointer.conversation, pointer.m);
    if (!message) {
      return {
        result: failure('internal_error', 'The message recorded under this Idempotency-Key is missing.'),
        events: [],
      };
    }
    if (message.status !== 'queued')
      return { result: answerOf(message, pointer, command), events: await eventsOf(message, pointer, deps) };
    if (Date.now() > deadline) {
      return {
        result: failure(
          'idempotency_conflict',
          'A request with this Idempotency-Key is still being sent; retry in a moment.',
          { messageId: messageIdOf(pointer) },
        ),
        events: [],
      };
    }
    await sleep(100);
  }
}

function answerOf(message: MessageRecord, pointer: MessagePointer, command: SendCommand): Outcome<SendResult> {
  if (message.status === 'failed' && message.failureCode) {
    const details = message.failureDetails ? JSON.parse(message.failureDetails) : undefined;
    return {
      ok: false,
      error: withMessageId(
        new AppError(message.failureCode as ErrorCode, message.failureReason ?? 'The send failed.', details),
        messageIdOf(pointer),
      ),
    };
  }
  const result = resultOf(message, pointer, command);
  return success(
    message.status === 'unknown' && !message.referenceId ? { ...result, note: message.failureReason } : result,
  );
}

/** A conversation's first message is the one that started it: outbound, it was this send. */
async function eventsOf(message: MessageRecord, pointer: MessagePointer, deps: ReplayDeps): Promise<ChannelEvent[]> {
  const { thread } = await deps.threads.read(pointer.threadId);
  const conversation =
    thread?.conversation?.n === pointer.conversation
      ? thread.conversation
      : await deps.threads.getConversation(pointer.threadId, pointer.conversation);
  if (!thread || !conversation) return [];
  return outboundMessageEvents({ thread, conversation, message, startedConversation: message.m === 1 });
}
