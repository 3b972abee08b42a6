import { type ChannelEvent, channelEventBaseSchema, channelEventSchema } from './channelEvents';
import { InvalidEventError, readMessageJson } from './queueBody';

/**
 * A channel event as a subscription trigger hands it over (parsed JSON, a string or bytes). A type this reader
 * does not know is not an error: a newer publisher may have added it, and the reader skips it. A body that is not
 * a channel event at all throws, so Service Bus redelivers and finally dead-letters it.
 */
export type ChannelEventBody = { known: true; event: ChannelEvent } | { known: false; id: string; type: string };

export function parseChannelEventBody(body: unknown): ChannelEventBody {
  const value = readMessageJson(body, 'The message is not JSON, so it is not a channel event.');
  const envelope = channelEventBaseSchema.extend({ type: channelEventBaseSchema.shape.id }).safeParse(value);
  if (!envelope.success) throw new InvalidEventError(`The message is not a channel event: ${issues(envelope.error)}.`);
  const parsed = channelEventSchema.safeParse(value);
  if (parsed.success) return { known: true, event: parsed.data };
  const knownTypes: readonly string[] = channelEventSchema.options.map((o) => o.shape.type.value);
  if (!knownTypes.includes(envelope.data.type)) return { known: false, id: envelope.data.id, type: envelope.data.type };
  throw new InvalidEventError(`The ${envelope.data.type} event is not valid: ${issues(parsed.error)}.`);
}

function issues(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`).join('; ');
}
