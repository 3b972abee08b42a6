import { type Message, message as amqpMessage, types } from 'rhea';

import { amqpError, Condition } from './conditions';
import type { Entrance } from './entrance';
import { type Body, type Operation, type Outcome, toNumber } from './managementOutcome';

const SEQUENCE_NUMBERS = 'sequence-numbers';
const LONG = 0x81;

type EntranceOperation = (entrance: Entrance, body: Body) => Outcome;

/** Operations of a sender's entity (a queue or a topic): `sender.scheduleMessages` and `cancelScheduledMessages`. */
export const scheduleOperations: Record<string, Operation> = {
  'com.microsoft:schedule-message': onEntrance(schedule),
  'com.microsoft:cancel-scheduled-message': onEntrance(cancel),
};

function onEntrance(operation: EntranceOperation): Operation {
  return (node, body) =>
    node.entrance
      ? operation(node.entrance, body)
      : { error: amqpError(Condition.notAllowed, 'messages are scheduled on a queue or a topic') };
}

/** Body `messages`: a list of maps whose `message` is the encoded message, its scheduled time among its annotations. */
function schedule(entrance: Entrance, body: Body): Outcome {
  const result = entrance.schedule(listOf(body.messages).map(decodeEntry));
  if ('error' in result) return result;
  return { status: 200, body: { [SEQUENCE_NUMBERS]: types.wrap_array(result.seqs, LONG, undefined) } };
}

function cancel(entrance: Entrance, body: Body): Outcome {
  const error = entrance.cancel(listOf(body[SEQUENCE_NUMBERS]).map(toNumber));
  return error ? { error } : { status: 200, body: {} };
}

function decodeEntry(entry: unknown): Message {
  const encoded = (entry as Record<string, unknown> | null)?.message;
  if (!Buffer.isBuffer(encoded)) throw new Error('each scheduled message must carry its encoded message');
  return amqpMessage.decode(encoded) as unknown as Message;
}

function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}
