import { type Message, message as amqpMessage, types } from 'rhea';

/** Whoever holds a message lock: a receiving link, or nobody once that link is gone. */
export interface LockHolder {
  /** Messages may have become available to this holder. */
  wake(): void;
  /** The session this holder had locked was taken away (lock expiry). */
  sessionLockLost(): void;
}

export interface MessageLock {
  readonly token: string;
  until: number;
  holder: LockHolder | undefined;
  timer: NodeJS.Timeout | undefined;
}

export interface StoredMessage {
  readonly seq: number;
  readonly enqueuedAt: number;
  readonly sessionId: string | undefined;
  /** The message as the sender published it (plus dead-letter properties once dead-lettered). */
  readonly message: Message;
  /** Deliveries so far; the AMQP header carries the count of earlier ones. */
  deliveries: number;
  lock: MessageLock | undefined;
}

/** Annotations Service Bus stamps on every message it hands out; the SDK reads them into the received message. */
export function toWireMessage(stored: StoredMessage, lockedUntil: number | undefined): Message {
  const annotations: Record<string, unknown> = {
    ...(stored.message.message_annotations ?? {}),
    'x-opt-sequence-number': types.wrap_long(stored.seq),
    'x-opt-enqueued-time': types.wrap_timestamp(stored.enqueuedAt),
  };
  if (lockedUntil !== undefined) annotations['x-opt-locked-until'] = types.wrap_timestamp(lockedUntil);
  return {
    ...stored.message,
    delivery_count: Math.max(0, stored.deliveries - 1),
    message_annotations: annotations,
  } as Message;
}

/** The SDK reads `x-opt-message-state` into the peeked message's `state`: 0 active, 2 scheduled. */
export function encodeForPeek(stored: StoredMessage, scheduled = false): Buffer {
  const wire = toWireMessage(stored, undefined);
  wire.delivery_count = stored.deliveries;
  if (scheduled) wire.message_annotations = { ...wire.message_annotations, 'x-opt-message-state': types.wrap_int(2) };
  return amqpMessage.encode(wire);
}

export function sessionIdOf(message: Message): string | undefined {
  return message.group_id === undefined || message.group_id === null ? undefined : String(message.group_id);
}

/** Dead-letter reason and any properties to modify land in the application properties, as in Service Bus. */
export function mergeApplicationProperties(
  stored: StoredMessage,
  properties: Record<string, unknown> | undefined,
): void {
  if (!properties) return;
  const merged: Record<string, unknown> = { ...(stored.message.application_properties ?? {}) };
  for (const [key, value] of Object.entries(properties)) {
    if (value !== undefined && value !== null) merged[key] = value;
  }
  stored.message.application_properties = merged;
}
