import { findAccount, type TelesignAccount } from '../config';
import type { ChannelEvent } from '../domain/channelEvents';
import { outboundMessageEvents } from '../domain/channelEventsOf';
import type { ThreadParties } from '../domain/indexSnapshot';
import type { RoutingRules } from '../domain/routingRules';
import { startConversation } from '../domain/startConversation';
import { recordStatus } from '../domain/statusChange';
import { type ConversationRecord, messageIdOf, type MessageRecord, type ThreadRecord } from '../domain/thread';
import { threadIdOf } from '../domain/threadId';
import type { ErrorCode } from '../errors';
import { type Logger, maskPhone } from '../log';
import { failure, type Outcome, success } from '../outcome';
import type { ConsentRecord, ConsentStore } from '../ports/consentStore';
import type { ConversationIndex } from '../ports/conversationIndex';
import type { MessagePointer, ReferenceStore } from '../ports/referenceStore';
import type { SendsInFlight } from '../ports/sendsInFlight';
import type { MarkerKey, ThreadStore, Version } from '../ports/threadStore';
import type { SecretProvider } from '../secrets/secretProvider';
import type { TelesignClient } from '../telesign/client';
import { withKeyRefreshOn401 } from '../telesign/rotatingKeyClient';
import { applyPendingReports } from './deliveryReports';
import { done, withOptimisticRetry } from './optimisticRetry';
import type { WithEvents } from './reactions';
import { classifySendFailure } from './sendFailure';
import { leaveInFlight, replaySend } from './sendReplay';
import type { SendCommand } from './sendRequest';
import { resultOf, type SendResult, unknownNote, withMessageId } from './sendResult';

export interface SendDeps {
  threads: ThreadStore;
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
  /** Where a send is entered before it is recorded `queued` and left once its outcome is, for the sweep. */
  inFlight?: SendsInFlight;
  /** How long a message may stay `queued` before a retry settles it `unknown`; default STUCK_SEND_AFTER_MS. */
  stuckAfterMs?: number;
}

export interface SendOptions {
  /** Only for the opt-out confirmation, the one message a customer who said STOP may still receive. */
  bypassConsent?: boolean;
}

interface Recorded {
  account: TelesignAccount;
  thread: ThreadRecord;
  conversation: ConversationRecord;
  startedConversation: boolean;
  message: MessageRecord;
  /** The version the `queued` commit gave the message: the outcome's update starts from it, without a read. */
  version: Version;
  pointer: MessagePointer;
}

type Resolution =
  | { kind: 'recorded'; value: Recorded }
  | { kind: 'replay'; pointer: MessagePointer }
  | { kind: 'refused'; outcome: Outcome<never> };

/**
 * docs/architecture.md §Flows, Sending: validate → conversation → consent → record `queued` with the idempotency
 * marker → credentials → Telesign → record the reference and status. A message is never left `queued`: every way
 * out of the Telesign call records `sent`, `failed` or `unknown`, and a send a crash interrupted is settled
 * `unknown` past a bound (domain/stuckSend.ts) by a retry with its key or by the sweep (stuckSends.ts), which
 * finds it by its in-flight entry, added before the `queued` commit. The channel events: the conversation it
 * started, if it did, the message sent (or not: its outcome says), and any delivery report that overtook the send.
 */
export async function sendMessage(
  command: SendCommand,
  deps: SendDeps,
  options: SendOptions = {},
): Promise<WithEvents<Outcome<SendResult>>> {
  const resolution = await resolveAndRecord(command, deps, options);
  if (resolution.kind === 'refused') return { result: resolution.outcome, events: [] };
  if (resolution.kind === 'replay') return replaySend(resolution.pointer, command, deps);
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
  const marker: MarkerKey | undefined = command.idempotencyKey ? { idempotencyKey: command.idempotencyKey } : undefined;

  return withOptimisticRetry<Resolution>(async () => {
    // A first message names its customer, so consent is read beside the thread; a reply learns the customer from
    // the thread, and reads consent beside its in-flight entry below (docs/architecture.md §Sending).
    const consentNow = consentOfTarget(located.value, options, deps);
    const [state, earlyConsent] = await Promise.all([deps.threads.read(threadId, marker), consentNow]);
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

    const now = deps.now().toISOString();
    const m = startsNew ? 1 : thread.nextMessage;
    const pointer: MessagePointer = { threadId, conversation: conversation.n, m };
    const entry = { pointer, queuedAt: now };
    // Entered before the commit, so that no crash can leave a `queued` message the sweep cannot find; an entry
    // whose commit conflicted points at nothing stuck, and the sweep drops it.
    const enteredBesideConsent = !options.bypassConsent && !consentNow;
    const [consent] = enteredBesideConsent
      ? await Promise.all([deps.consent.get(account.customerId, thread.customerNumber), deps.inFlight?.add(entry)])
      : [earlyConsent];
    if (consent?.state === 'opted_out') {
      // The entry was entered beside the consent read; nothing will be queued under it.
      if (enteredBesideConsent) await leaveInFlight(deps, entry);
      return done(
        refused(
          'recipient_opted_out',
          'The customer opted out of messages from this account (they texted STOP); nothing was sent.',
          { since: consent.at },
        ),
      );
    }

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
      origin: command.origin,
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
    if (!enteredBesideConsent) await deps.inFlight?.add(entry);
    const outcome = await deps.threads.commitWithVersions(threadId, state.version, {
      thread: updatedThread,
      conversations: [updatedConversation],
      newMessages: [message],
      markers: marker
        ? [{ key: marker, properties: { conversation: conversation.n, m, fingerprint: command.fingerprint } }]
        : [],
    });
    if (outcome.result === 'conflict') return { committed: false };
    if (startsNew) await indexStarted(threadId, thread.conversation, updatedConversation, updatedThread, deps);
    return done({
      kind: 'recorded',
      value: {
        account,
        thread: updatedThread,
        conversation: updatedConversation,
        startedConversation: startsNew,
        message,
        version: outcome.messageVersions[0],
        pointer,
      },
    });
  });
}

/** Consent read at once when the target names the customer (undefined when it must wait for the thread). */
function consentOfTarget(
  located: { account?: TelesignAccount; customer?: string },
  options: SendOptions,
  deps: SendDeps,
): Promise<ConsentRecord | undefined> | undefined {
  if (options.bypassConsent || !located.account || !located.customer) return undefined;
  return deps.consent.get(located.account.customerId, located.customer);
}

/** The message is recorded: it must still be sent, so a lost index write is logged, not thrown. */
async function indexStarted(
  threadId: string,
  previous: ConversationRecord | undefined,
  started: ConversationRecord,
  parties: ThreadParties,
  deps: SendDeps,
) {
  try {
    await deps.index?.record(threadId, previous, started, parties);
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

  const conversation = startConversation(latest, {
    rules: deps.rules,
    supportNumber: thread.supportNumber,
    text: '',
    language: account.supportNumbers.find((n) => n.number === thread.supportNumber)?.defaultLanguage,
    now,
  });
  return { kind: 'plan', account, thread, conversation, startsNew: true };
}

async function deliver(
  recorded: Recorded,
  command: SendCommand,
  deps: SendDeps,
): Promise<WithEvents<Outcome<SendResult>>> {
  const { account, thread, pointer } = recorded;
  const messageId = messageIdOf(pointer);
  // Once the outcome is recorded: a crash before that leaves the entry, for the sweep.
  const recordedOutcome = () => leaveInFlight(deps, { pointer, queuedAt: recorded.message.createdAt });
  const log = { messageId, to: maskPhone(thread.customerNumber), segments: command.estimate.segments };
  const eventsOf = (message: MessageRecord, more: ChannelEvent[] = []) => [
    ...outboundMessageEvents({
      thread,
      conversation: recorded.conversation,
      message,
      startedConversation: recorded.startedConversation,
    }),
    ...more,
  ];
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
    // The pointer first, then the status, then reports that overtook us (see ports/referenceStore.ts): only a
    // report's mark on the reference makes us list them, so a send no report overtook never queries.
    const { reportsWaiting } = await deps.references.put(sent.referenceId, pointer);
    const message = await updateMessage(
      pointer,
      deps,
      recorded,
      (m) =>
        recordStatus(
          { ...m, referenceId: sent.referenceId },
          {
            status: 'sent',
            code: sent.status.code,
            description: sent.status.description,
            at: deps.now().toISOString(),
          },
        ).message,
    );
    // The entry's removal and the parked reports touch different rows: one hop for both.
    const [, overtaken] = await Promise.all([
      recordedOutcome(),
      reportsWaiting ? applyPendingReports(sent.referenceId, pointer, deps) : { result: 0, events: [] },
    ]);
    deps.logger.info('message sent', { ...log, referenceId: sent.referenceId });
    return { result: success(resultOf(message, pointer, command)), events: eventsOf(message, overtaken.events) };
  } catch (error) {
    const failure = classifySendFailure(error);
    if (failure.kind === 'unknown') {
      const message = await updateMessage(pointer, deps, recorded, (m) => ({
        ...recordStatus(m, { status: 'unknown', description: failure.reason, at: deps.now().toISOString() }).message,
        failureReason: failure.reason,
      }));
      await recordedOutcome();
      deps.logger.warn('message outcome unknown; not resent', log);
      return {
        result: success({ ...resultOf(message, pointer, command), note: unknownNote(failure.reason) }),
        events: eventsOf(message),
      };
    }
    const releaseKey: MarkerKey | undefined =
      command.idempotencyKey && failure.retryable ? { idempotencyKey: command.idempotencyKey } : undefined;
    const message = await updateMessage(
      pointer,
      deps,
      recorded,
      (m) => ({
        ...recordStatus(m, { status: 'failed', description: failure.error.message, at: deps.now().toISOString() })
          .message,
        // Failed even past a status a report already set: the caller is told it failed, and a retry may send.
        status: 'failed',
        failureCode: failure.error.code,
        failureReason: failure.error.message,
        failureDetails: failure.error.details === undefined ? undefined : JSON.stringify(failure.error.details),
      }),
      releaseKey,
    );
    await recordedOutcome();
    deps.logger.warn('message not sent', {
      ...log,
      code: failure.error.code,
      ...(failure.telesignCode === undefined ? {} : { telesignCode: failure.telesignCode }),
    });
    return { result: { ok: false, error: withMessageId(failure.error, messageId) }, events: eventsOf(message) };
  }
}

/**
 * Read-modify-write of one message under its version; `releaseKey` removes the idempotency marker with it. The
 * first attempt starts from the message as the `queued` commit left it, under the version that commit gave it:
 * only a conflict (a report or a settle got there first) costs a read.
 */
async function updateMessage(
  pointer: MessagePointer,
  deps: SendDeps,
  recorded: Pick<Recorded, 'message' | 'version'>,
  change: (m: MessageRecord) => MessageRecord,
  releaseKey?: MarkerKey,
): Promise<MessageRecord> {
  return withOptimisticRetry(async (n) => {
    // The first try starts from what the caller just wrote; only a conflict makes a fresh read worth it.
    const state =
      n === 1 ? recorded : await deps.threads.readMessage(pointer.threadId, pointer.conversation, pointer.m);
    if (!state.message || !state.version) throw new Error('the recorded message disappeared');
    const next = change(state.message);
    const outcome = await deps.threads.updateMessage(pointer.threadId, next, state.version, { remove: releaseKey });
    return outcome === 'committed' ? done(next) : { committed: false };
  });
}
