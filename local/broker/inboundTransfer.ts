import { type EventContext, type Message, message as amqpMessage } from 'rhea';

/** Message format of an SDK batch: one AMQP message whose data sections are each an encoded message. */
export const BATCH_FORMAT = 0x80013700;
const DATA_SECTION = 0x75;

interface Section {
  typecode?: number;
  content?: unknown;
  multiple?: boolean;
}

/** The messages carried by one transfer, a single message or a batch. */
export function messagesOf(context: EventContext): Message[] {
  const format = (context as EventContext & { format?: number }).format ?? 0;
  if (format === 0) return context.message ? [context.message] : [];
  if (format !== BATCH_FORMAT) throw new Error(`unsupported message format ${format}`);
  const envelope = amqpMessage.decode(context.message as unknown as Buffer);
  const body = envelope.body as Section | undefined;
  if (!body || body.typecode !== DATA_SECTION) throw new Error('a batch must carry data sections');
  const parts = (body.multiple ? body.content : [body.content]) as Buffer[];
  return parts.map((part) => amqpMessage.decode(part) as unknown as Message);
}
