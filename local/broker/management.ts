import { type EventContext, type Message, types } from 'rhea';

import { amqpError, type AmqpErrorInfo, Condition, statusOf } from './conditions';
import { lockTokenFromUuid } from './lockToken';
import type { Namespace } from './namespace';
import type { ReplyRouter } from './replyRouter';
import { encodeForPeek } from './storedMessage';
import type { Settlement, Subqueue } from './subqueue';

type Body = Record<string, unknown>;
type Outcome = { status: number; body?: unknown } | { error: AmqpErrorInfo };
type Operation = (subqueue: Subqueue, body: Body) => Outcome;

const operations: Record<string, Operation> = {
  'com.microsoft:peek-message': peek,
  'com.microsoft:renew-lock': renewLock,
  'com.microsoft:renew-session-lock': renewSessionLock,
  'com.microsoft:get-session-state': getSessionState,
  'com.microsoft:set-session-state': setSessionState,
  'com.microsoft:update-disposition': updateDisposition,
  'com.microsoft:get-message-sessions': listSessions,
};

/** The `<entity>/$management` node: one request message in, one response on reply_to. */
export function answerManagementRequest(context: EventContext, namespace: Namespace, replies: ReplyRouter): void {
  context.delivery?.accept();
  const request = context.message as Message | undefined;
  if (!request) return;
  const operationName = String(request.application_properties?.operation ?? '');
  const target = namespace.subqueue(context.receiver?.target?.address);
  const operation = operations[operationName];
  let outcome: Outcome;
  if (!target)
    outcome = {
      error: amqpError(Condition.notFound, `no messaging entity at '${String(context.receiver?.target?.address)}'`),
    };
  else if (!operation)
    outcome = {
      error: amqpError(
        Condition.notImplemented,
        `operation '${operationName}' is not supported by the embedded broker`,
      ),
    };
  else outcome = safely(() => operation(target.subqueue, (request.body ?? {}) as Body));
  replies.reply(request.reply_to, response(request, outcome));
}

function safely(run: () => Outcome): Outcome {
  try {
    return run();
  } catch (err) {
    return { error: amqpError(Condition.argumentError, err instanceof Error ? err.message : String(err)) };
  }
}

function response(request: Message, outcome: Outcome): Message {
  const properties: Record<string, unknown> =
    'error' in outcome
      ? {
          statusCode: statusOf[outcome.error.condition],
          statusDescription: outcome.error.description,
          errorCondition: outcome.error.condition,
        }
      : { statusCode: outcome.status, statusDescription: outcome.status === 204 ? 'No Content' : 'OK' };
  return {
    correlation_id: request.message_id,
    to: request.reply_to,
    application_properties: properties,
    body: 'error' in outcome ? undefined : outcome.body,
  };
}

function peek(subqueue: Subqueue, body: Body): Outcome {
  const from = toNumber(body['from-sequence-number'] ?? 1);
  const count = toNumber(body['message-count'] ?? 1);
  const sessionId = typeof body['session-id'] === 'string' ? body['session-id'] : undefined;
  const found = subqueue.peek(from, count, sessionId);
  if (found.length === 0) return { status: 204 };
  const messages = found.map((m) => types.wrap_map({ message: types.wrap_binary(encodeForPeek(m)) }));
  return { status: 200, body: { messages: types.wrap_list(messages) } };
}

function renewLock(subqueue: Subqueue, body: Body): Outcome {
  const expirations: Date[] = [];
  for (const token of lockTokens(body)) {
    const until = subqueue.renewLock(token);
    if (until === undefined)
      return { error: amqpError(Condition.messageLockLost, `the lock on message ${token} was lost or has expired`) };
    expirations.push(new Date(until));
  }
  return {
    status: 200,
    body: {
      expirations: types.wrap_array(
        expirations.map((d) => d.getTime()),
        0x83,
        undefined,
      ),
    },
  };
}

function renewSessionLock(subqueue: Subqueue, body: Body): Outcome {
  const sessionId = String(body['session-id'] ?? '');
  const until = subqueue.renewSessionLock(sessionId);
  if (until === undefined)
    return {
      error: amqpError(Condition.sessionLockLost, `the lock on session '${sessionId}' was lost or has expired`),
    };
  return { status: 200, body: { expiration: new Date(until) } };
}

function getSessionState(subqueue: Subqueue, body: Body): Outcome {
  const state = subqueue.getSessionState(String(body['session-id'] ?? ''));
  return { status: 200, body: { 'session-state': state ? types.wrap_binary(state) : null } };
}

function setSessionState(subqueue: Subqueue, body: Body): Outcome {
  const state = body['session-state'];
  subqueue.setSessionState(String(body['session-id'] ?? ''), Buffer.isBuffer(state) ? state : undefined);
  return { status: 200, body: {} };
}

function listSessions(subqueue: Subqueue, body: Body): Outcome {
  const skip = toNumber(body.skip ?? 0);
  const top = toNumber(body.top ?? Number.MAX_SAFE_INTEGER);
  const ids = subqueue.sessionIds().slice(skip, skip + top);
  if (ids.length === 0) return { status: 204 };
  return { status: 200, body: { skip: types.wrap_int(skip), 'sessions-ids': types.wrap_array(ids, 0xa1, undefined) } };
}

/** Settlement by lock token, used by the SDK when the receiving link is gone or the message was deferred. */
function updateDisposition(subqueue: Subqueue, body: Body): Outcome {
  const status = String(body['disposition-status'] ?? '');
  const modify = (body['properties-to-modify'] ?? undefined) as Record<string, unknown> | undefined;
  for (const token of lockTokens(body)) {
    let result: Settlement;
    if (status === 'completed') result = subqueue.complete(token);
    else if (status === 'abandoned') result = subqueue.abandon(token, undefined, modify);
    else if (status === 'suspended') {
      result = subqueue.deadLetter(token, undefined, {
        ...modify,
        DeadLetterReason: body['deadletter-reason'],
        DeadLetterErrorDescription: body['deadletter-description'],
      });
    } else
      return {
        error: amqpError(Condition.notImplemented, `disposition '${status}' is not supported by the embedded broker`),
      };
    if (!result.ok) return { error: result.error };
  }
  return { status: 200, body: {} };
}

function lockTokens(body: Body): string[] {
  const raw = body['lock-tokens'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((t) => (Buffer.isBuffer(t) ? lockTokenFromUuid(t) : String(t).toLowerCase()));
}

function toNumber(value: unknown): number {
  if (Buffer.isBuffer(value)) return Number(value.readBigInt64BE(0));
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got ${String(value)}`);
  return n;
}
