import { findAccount, type TelesignAccount } from '../config';
import { initialConversationState } from '../domain/conversationState';
import { shouldReplace } from '../domain/deliveryStatus';
import { classify, type RoutingRules } from '../domain/routingRules';
import { conversationIdOf, type ConversationRecord, type MessageRecord, type ThreadRecord } from '../domain/thread';
import { threadIdOf } from '../domain/threadId';
import { AppError, type ErrorCode } from '../errors';
import { type Logger, maskPhone } from '../log';
import { failure, type Outcome, success } from '../outcome';
import type { SecretProvider } from '../secrets/secretProvider';
import type { ConsentStore } from '../storage/consentStore';
import type { ConversationIndex } from '../storage/conversationIndex';
import { idempotencyRow } from '../storage/keys';
import { withOptimisticRetry } from '../storage/optimisticRetry';
import type { MessagePointer, ReferenceStore } from '../storage/referenceStore';
import type { ThreadRepository } from '../storage/threadRepository';
import type { TelesignClient } from '../telesign/client';
import { withKeyRefreshOn401 } from '../telesign/rotatingKeyClient';
import { applyPendingReports } from './route';
import { classifySendFailure } from './sendFailure';
import type { SendCommand } from './sendRequest';

export interface SendDeps {
  threads: ThreadRepository;
  consent: ConsentStore;
  references: ReferenceStore;
  secrets: SecretProvider;
  telesignFor: (account: TelesignAccount) => TelesignClient;
  accounts: readonly TelesignAccount[];
  rules: RoutingRules;
  now: () => Date;
  logger: Logger;
  /** How long a retry waits for a first request with the same idempotency key that is still sending. */
  inFlightWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The conversations index: a first message to a customer starts a conversation, which enters it. */
  index?: ConversationIndex;
}

export interface SendOptions {
  /** Only for the opt-out confirmation, the one message a customer who said STOP may still receive. */
  bypassConsent?: boolean;
}

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

interface Recorded {
  account: TelesignAccount;
  thread: ThreadRecord;
  message: MessageRecord;
  pointer: MessagePointer;
}

type Resolution =
  | { kind: 'recorded'; value: Recorded }
  | { kind: 'replay'; pointer: MessagePointer }
  | { kind: 'refused'; outcome: Outcome<never> };

export const messageIdOf = (p: MessagePointer) => `${conversationIdOf(p.threadId, p.conversation)}.${p.m}`;

/**
 * DESIGN.md §1, Sending: validate → conversation → consent → record `queued` with the idempotency marker →
 * credentials → Telesign → record the reference and status. A message is never left `queued`: every way out
 * of the Telesign call records `sent`, `failed` or `unknown`.
 */
export async function sendMessage(
  command: SendCommand,
  deps: SendDeps,
  options: SendOptions = {},
): Promise<Outcome<SendResult>> {
  const resolution = await resolveAndRecord(command, deps, options);
  if (resolution.kind === 'refused') return resolution.outcome;
  if (resolution.kind === 'replay') return replay(resolution.pointer, command, deps);
  return deliver(resolution.value, command, deps);
}

function locate(
  command: SendCommand,
  deps: SendDeps,
): Outcome<{ threadId: string; account?: TelesignAccount; supportNumber?: string; customer?: string }> {
  const { target } = command;
  if (target.kind === 'conversation') return success({ threadId: target.threadId });
  const account = target.from
    ? deps.accounts.find((a) => a.supportNumbers.some((n) => n.number === target.from))
    : deps.accounts[0];
  if (!account)
    return failure('phone_invalid', `from: ${maskPhone(target.from)} is not one of the configured support numbers.`);
  const supportNumber = target.from ?? account.defaultSupportNumber;
  return success({
    threadId: threadIdOf(account.customerId, supportNumber, target.to),
    account,
    supportNumber,
    customer: target.to,
  });
}

async function resolveAndRecord(command: SendCommand, deps: SendDeps, options: SendOptions): Promise<Resolution> {
  const located = locate(command, deps);
  if (!located.ok) return { kind: 'refused', outcome: located };
  const { threadId } = located.value;
  const keyRow = command.idempotencyKey ? idempotencyRow(command.idempotencyKey) : undefined;

  return withOptimisticRetry<Resolution>(async () => {
    const state = await deps.threads.read(threadId, keyRow);
    if (state.marker) {
      if (state.marker.fingerprint !== command.fingerprint) {
        return done(refused('idempotency_conflict', 'This Idempotency-Key was already used for a different request.'));
      }
      return done({
        kind: 'replay',
        pointer: { threadId, conversation: Number(state.marker.conversation), m: Number(state.marker.m) },
      });
    }

    const plan = planConversation(command, state.thread, located.value, deps);
    if (plan.kind === 'refused') return done(plan);
    const { account, thread, conversation, startsNew } = plan;

    if (!options.bypassConsent) {
      const consent = await deps.consent.get(account.customerId, thread.customerNumber);
      if (consent?.state === 'opted_out') {
        return done(
          refused(
            'recipient_opted_out',
            'The customer opted out of messages from this account (they texted STOP); nothing was sent.',
            {
              since: consent.at,
            },
          ),
        );
      }
    }

    const now = deps.now().toISOString();
    const m = startsNew ? 1 : thread.nextMessage;
    const message: MessageRecord = {
      conversation: conversation.n,
      m,
      direction: 'outbound',
      text: command.text,
      segments: command.estimate.segments,
      encoding: command.estimate.encoding,
      createdAt: now,
      status: 'queued',
      timeline: [{ status: 'queued', at: now }],
      senderId: thread.supportNumber,
      idempotencyKey: command.idempotencyKey,
    };
    const updatedConversation: ConversationRecord = {
      ...conversation,
      outboundCount: conversation.outboundCount + 1,
      updatedAt: now,
      lastMessageAt: now,
    };
    const updatedThread: ThreadRecord = {
      ...thread,
      conversation: updatedConversation,
      nextMessage: m + 1,
      updatedAt: now,
    };
    const outcome = await deps.threads.commit(threadId, state.etag, {
      thread: updatedThread,
      conversations: [updatedConversation],
      newMessages: [message],
      markers: keyRow
        ? [{ rowKey: keyRow, properties: { conversation: conversation.n, m, fingerprint: command.fingerprint } }]
        : [],
    });
    if (outcome === 'conflict') return { committed: false };
    if (startsNew) await indexStarted(threadId, thread.conversation, updatedConversation, deps);
    return done({
      kind: 'recorded',
      value: { account, thread: updatedThread, message, pointer: { threadId, conversation: conversation.n, m } },
    });
  });
}

const done = <T>(value: T) => ({ committed: true as const, value });

/** The message is recorded: it must still be sent, so a lost index write is logged, not thrown. */
async function indexStarted(
  threadId: string,
  previous: ConversationRecord | undefined,
  started: ConversationRecord,
  deps: SendDeps,
) {
  try {
    await deps.index?.record(threadId, previous, started);
  } catch (error) {
    deps.logger.warn('conversation index not updated for a new conversation', {
      threadId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

const refused = (code: ErrorCode, message: string, details?: unknown): Resolution => ({
  kind: 'refused',
  outcome: failure(code, message, details),
});

type ConversationPlan =
  | {
      kind: 'plan';
      account: TelesignAccount;
      thread: ThreadRecord;
      conversation: ConversationRecord;
      startsNew: boolean;
    }
  | Extract<Resolution, { kind: 'refused' }>;

function planConversation(
  command: SendCommand,
  current: ThreadRecord | undefined,
  located: { threadId: string; account?: TelesignAccount; supportNumber?: string; customer?: string },
  deps: SendDeps,
): ConversationPlan {
  const { target } = command;
  if (target.kind === 'conversation') {
    const latest = current?.conversation;
    const account = current ? findAccount(deps.accounts, current.account) : undefined;
    if (!current || !latest || !account || target.n > latest.n) {
      return refused(
        'conversation_not_found',
        `There is no conversation ${target.conversationId}.`,
      ) as ConversationPlan;
    }
    // Only a thread's latest conversation can be other than closed.
    if (target.n < latest.n || latest.state === 'closed') {
      return refused(
        'conversation_closed',
        `Conversation ${target.conversationId} is closed; the customer's next message starts a new one.`,
      ) as ConversationPlan;
    }
    return { kind: 'plan', account, thread: current, conversation: latest, startsNew: false };
  }

  const account = located.account!;
  const now = deps.now().toISOString();
  const thread: ThreadRecord = current ?? {
    threadId: located.threadId,
    account: account.customerId,
    supportNumber: located.supportNumber!,
    customerNumber: located.customer!,
    createdAt: now,
    updatedAt: now,
    nextMessage: 1,
  };
  const latest = thread.conversation;
  if (latest && latest.state !== 'closed')
    return { kind: 'plan', account, thread, conversation: latest, startsNew: false };

  const language = account.supportNumbers.find((n) => n.number === thread.supportNumber)?.defaultLanguage;
  const route = classify(deps.rules, { supportNumber: thread.supportNumber, text: '', language });
  const conversation: ConversationRecord = {
    n: (latest?.n ?? 0) + 1,
    state: initialConversationState,
    queue: route.queue,
    priority: route.priority,
    rule: route.rule,
    createdAt: now,
    updatedAt: now,
    previous: latest?.n,
    inboundCount: 0,
    outboundCount: 0,
  };
  return { kind: 'plan', account, thread, conversation, startsNew: true };
}

async function deliver(recorded: Recorded, command: SendCommand, deps: SendDeps): Promise<Outcome<SendResult>> {
  const { account, thread, pointer } = recorded;
  const messageId = messageIdOf(pointer);
  const log = { messageId, to: maskPhone(thread.customerNumber), segments: command.estimate.segments };
  try {
    const sent = await withKeyRefreshOn401(deps.secrets, account.apiKeySecretName, () =>
      deps.telesignFor(account).sendSms({
        phoneNumber: thread.customerNumber,
        message: command.text,
        messageType: 'ARN',
        senderId: thread.supportNumber,
        externalId: messageId,
      }),
    );
    // The pointer first, then the status, then reports that overtook us (see referenceStore.ts).
    await deps.references.put(sent.referenceId, pointer);
    const message = await updateMessage(pointer, deps, (m) => ({
      ...m,
      referenceId: sent.referenceId,
      status: shouldReplace(m.status ?? 'queued', 'sent') ? 'sent' : m.status,
      timeline: [
        ...(m.timeline ?? []),
        { status: 'sent', code: sent.status.code, description: sent.status.description, at: deps.now().toISOString() },
      ],
    }));
    await applyPendingReports(sent.referenceId, pointer, deps);
    deps.logger.info('message sent', { ...log, referenceId: sent.referenceId });
    return success(resultOf(message, pointer, command));
  } catch (error) {
    const failure = classifySendFailure(error);
    if (failure.kind === 'unknown') {
      const message = await updateMessage(pointer, deps, (m) => ({
        ...m,
        status: shouldReplace(m.status ?? 'queued', 'unknown') ? 'unknown' : m.status,
        failureReason: failure.reason,
        timeline: [
          ...(m.timeline ?? []),
          { status: 'unknown', description: failure.reason, at: deps.now().toISOString() },
        ],
      }));
      deps.logger.warn('message outcome unknown; not resent', log);
      return success({
        ...resultOf(message, pointer, command),
        note: `${failure.reason}; it is not resent, and its delivery report will settle it.`,
      });
    }
    const keyRow = command.idempotencyKey && failure.retryable ? idempotencyRow(command.idempotencyKey) : undefined;
    await updateMessage(
      pointer,
      deps,
      (m) => ({
        ...m,
        status: 'failed',
        failureCode: failure.error.code,
        failureReason: failure.error.message,
        failureDetails: failure.error.details === undefined ? undefined : JSON.stringify(failure.error.details),
        timeline: [
          ...(m.timeline ?? []),
          { status: 'failed', description: failure.error.message, at: deps.now().toISOString() },
        ],
      }),
      keyRow,
    );
    deps.logger.warn('message not sent', { ...log, code: failure.error.code });
    return { ok: false, error: withMessageId(failure.error, messageId) };
  }
}

function withMessageId(error: AppError, messageId: string): AppError {
  const details = typeof error.details === 'object' && error.details !== null ? error.details : {};
  return new AppError(error.code, error.message, { ...details, messageId });
}

/** Read-modify-write of one message under its ETag; `releaseKey` deletes the idempotency marker in the same batch. */
async function updateMessage(
  pointer: MessagePointer,
  deps: SendDeps,
  change: (m: MessageRecord) => MessageRecord,
  releaseKey?: string,
): Promise<MessageRecord> {
  return withOptimisticRetry(async () => {
    const state = await deps.threads.readMessage(pointer.threadId, pointer.conversation, pointer.m);
    if (!state.message || !state.etag) throw new Error('the recorded message disappeared');
    const next = change(state.message);
    const outcome = await deps.threads.updateMessage(pointer.threadId, next, state.etag, { remove: releaseKey });
    return outcome === 'committed' ? done(next) : { committed: false };
  });
}

function resultOf(message: MessageRecord, pointer: MessagePointer, command: SendCommand): SendResult {
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

/**
 * The same idempotency key again: answer what the first request answered. A first request still talking to
 * Telesign is waited for, so that concurrent retries get the same answer and Telesign gets one request.
 */
async function replay(pointer: MessagePointer, command: SendCommand, deps: SendDeps): Promise<Outcome<SendResult>> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (deps.inFlightWaitMs ?? 30_000);
  for (;;) {
    const { message } = await deps.threads.readMessage(pointer.threadId, pointer.conversation, pointer.m);
    if (!message) return failure('internal_error', 'The message recorded under this Idempotency-Key is missing.');
    if (message.status !== 'queued') {
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
    if (Date.now() > deadline) {
      return failure(
        'idempotency_conflict',
        'A request with this Idempotency-Key is still being sent; retry in a moment.',
        { messageId: messageIdOf(pointer) },
      );
    }
    await sleep(100);
  }
}
