import { types } from 'rhea';

import { amqpError, Condition } from './conditions';
import { lockTokenFromUuid } from './lockToken';
import { type Body, type Operation, type Outcome, toNumber } from './managementOutcome';
import type { EntityNode } from './namespace';
import { encodeForPeek } from './storedMessage';
import type { Settlement, Subqueue } from './subqueue';

type StoreOperation = (subqueue: Subqueue, body: Body) => Outcome;

/** Operations on a receiver's message store (a queue, a subscription, or a dead-letter queue). */
export const storeOperations: Record<string, Operation> = {
  'com.microsoft:peek-message': peek,
  'com.microsoft:renew-lock': onStore(renewLock),
  'com.microsoft:renew-session-lock': onStore(renewSessionLock),
  'com.microsoft:get-session-state': onStore(getSessionState),
  'com.microsoft:set-session-state': onStore(setSessionState),
  'com.microsoft:update-disposition': onStore(updateDisposition),
  'com.microsoft:get-message-sessions': onStore(listSessions),
};

function onStore(operation: StoreOperation): Operation {
  return (node, body) => (node.store ? operation(node.store.subqueue, body) : noStore());
}

function noStore(): Outcome {
  return { error: amqpError(Condition.notAllowed, 'a topic holds no messages: use one of its subscriptions') };
}

/** A queue's scheduled messages are peeked too, in sequence order, with state `scheduled`, as in Service Bus. */
function peek(node: EntityNode, body: Body): Outcome {
  if (!node.store) return noStore();
  const from = toNumber(body['from-sequence-number'] ?? 1);
  const count = toNumber(body['message-count'] ?? 1);
  const sessionId = typeof body['session-id'] === 'string' ? body['session-id'] : undefined;
  const active = node.store.subqueue.peek(from, count, sessionId).map((m) => ({ m, scheduled: false }));
  const scheduled = (node.entrance?.scheduled.peek(from, count, sessionId) ?? []).map((m) => ({ m, scheduled: true }));
  const found = [...active, ...scheduled].sort((a, b) => a.m.seq - b.m.seq).slice(0, count);
  if (found.length === 0) return { status: 204 };
  const messages = found.map(({ m, scheduled }) =>
    types.wrap_map({ message: types.wrap_binary(encodeForPeek(m, scheduled)) }),
  );
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
