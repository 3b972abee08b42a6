import { type InboundEvent, inboundEventSchema } from './inboundEvent';

export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/**
 * The queue body as the trigger hands it over: the Functions host may give the JSON parsed, as a string or as
 * bytes. A body that is not an InboundEvent throws, so Service Bus redelivers and finally dead-letters it.
 */
export function parseQueueBody(body: unknown): InboundEvent {
  const value = readMessageJson(body, 'The queue message is not JSON, so it is not an InboundEvent.');
  const parsed = inboundEventSchema.safeParse(value);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new InvalidEventError(`The queue message is not a valid InboundEvent: ${where}.`);
  }
  return parsed.data;
}

/** A Service Bus body as a trigger hands it over (parsed JSON, a string or bytes), as parsed JSON. */
export function readMessageJson(body: unknown, notJson: string): unknown {
  let value = body;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) value = Buffer.from(value).toString('utf8');
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidEventError(notJson);
  }
}
