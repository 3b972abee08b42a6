import type { ChannelEvent } from '../domain/channelEvents';
import { outboundMessageEvents } from '../domain/channelEventsOf';
import { isStuckSend, settleStuck, STUCK_SEND_AFTER_MS } from '../domain/stuckSend';
import { messageIdOf, type MessageRecord } from '../domain/thread';
import { AppError, type ErrorCode } from '../errors';
import type { Logger } from '../log';
import { failure, type Outcome, success } from '../outcome';
import type { MessagePointer } from '../ports/referenceStore';
import type { SendInFlight, SendsInFlight } from '../ports/sendsInFlight';
import type { ThreadStore } from '../ports/threadStore';
import { done, withOptimisticRetry } from './optimisticRetry';
import type { WithEvents } from './reactions';
import type { SendCommand } from './sendRequest';
import { resultOf, type SendResult, unknownNote, withMessageId } from './sendResult';

export interface ReplayDeps {
  threads: ThreadStore;
  /** How long a retry waits for a first request with the same idempotency key that is still sending. */
  inFlightWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The clock a message's time in `queued` is measured with. */
  now?: () => Date;
  /** How long a message may stay `queued` before it is settled `unknown`; default STUCK_SEND_AFTER_MS. */
  stuckAfterMs?: number;
  /** The sends in flight, whose entry a settled send leaves. */
  inFlight?: SendsInFlight;
  logger?: Logger;
}

/**
 * The same idempotency key again: answer what the first request answered, with the channel events it produced
 * (so that a caller retrying because those were lost gets them again). A first request still talking to
 * Telesign is waited for, so that concurrent retries get the same answer and Telesign gets one request. One
 * that is still `queued` past the bound no live send reaches was interrupted: it is settled `unknown` (never
 * resent) and that is the answer.
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
    const settled = message.status === 'queued' ? await settleIfStuck(pointer, deps) : message;
    if (settled && settled.status !== 'queued')
      return { result: answerOf(settled, pointer, command), events: await recordedEvents(settled, pointer, deps) };
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

/**
 * Settles the message `unknown` if it is still `queued` past the bound, under its version; gives the message as
 * it now is (settled, or as someone else left it), undefined if it is missing. Its in-flight entry goes too.
 */
export async function settleIfStuck(pointer: MessagePointer, deps: ReplayDeps): Promise<MessageRecord | undefined> {
  const now = deps.now ?? (() => new Date());
  const bound = deps.stuckAfterMs ?? STUCK_SEND_AFTER_MS;
  const result = await withOptimisticRetry<{ message?: MessageRecord; settled: boolean }>(async () => {
    const state = await deps.threads.readMessage(pointer.threadId, pointer.conversation, pointer.m);
    if (!state.message || !state.version || !isStuckSend(state.message, now(), bound))
      return done({ message: state.message, settled: false });
    const next = settleStuck(state.message, now());
    const outcome = await deps.threads.updateMessage(pointer.threadId, next, state.version);
    return outcome === 'committed' ? done({ message: next, settled: true }) : { committed: false };
  });
  if (result.settled && result.message) {
    deps.logger?.warn('message stuck queued past the bound settled unknown; not resent', {
      messageId: messageIdOf(pointer),
      queuedAt: result.message.createdAt,
    });
    await leaveInFlight(deps, { pointer, queuedAt: result.message.createdAt });
  }
  return result.message;
}

/** Best effort: an entry left behind costs the sweep one read, which then removes it. */
export async function leaveInFlight(deps: Pick<ReplayDeps, 'inFlight' | 'logger'>, send: SendInFlight): Promise<void> {
  try {
    await deps.inFlight?.remove(send);
  } catch (error) {
    deps.logger?.warn('send in flight entry not removed; the sweep will', {
      messageId: messageIdOf(send.pointer),
      error: error instanceof Error ? error.message : String(error),
    });
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
    message.status === 'unknown' && !message.referenceId
      ? { ...result, note: unknownNote(message.failureReason) }
      : result,
  );
}

/**
 * The channel events of a recorded send, read back from the records. A conversation's first message is the one
 * that started it: outbound, it was this send.
 */
export async function recordedEvents(
  message: MessageRecord,
  pointer: MessagePointer,
  deps: Pick<ReplayDeps, 'threads'>,
): Promise<ChannelEvent[]> {
  const { thread } = await deps.threads.read(pointer.threadId);
  const conversation =
    thread?.conversation?.n === pointer.conversation
      ? thread.conversation
      : await deps.threads.getConversation(pointer.threadId, pointer.conversation);
  if (!thread || !conversation) return [];
  return outboundMessageEvents({ thread, conversation, message, startedConversation: message.m === 1 });
}
