import type { ChannelEvent, PhoneNumber } from './channelEvents';
import { compact } from './compact';
import { isWebhookEventType, type WebhookEventSelection, type WebhookEventType } from './webhookEventTypes';

/**
 * The body of a webhook delivery: `{ type, timestamp, data }` as the Standard Webhooks specification lays it out.
 * `data` is thin and written field by field, never spread from the event, so that a field added to a channel event
 * (an idempotency key, Telesign's raw report, the customer id that is half of Telesign's credentials) reaches no
 * subscriber until someone decides it should. The event id is not repeated inside: it is the `webhook-id` header.
 */
export interface WebhookPayload {
  type: WebhookEventType;
  /** When the change happened (the event's `at`), not when the delivery was attempted. */
  timestamp: string;
  data: Record<string, unknown>;
}

const number = (n: PhoneNumber): PhoneNumber => ({ digits: n.digits, e164: n.e164 });

const idsOf = (event: ChannelEvent) => ({ conversationId: event.conversationId, threadId: event.threadId });

/** What a message shows whichever way it went: `from` and `to` are the sender and the recipient. */
function messageData(event: Extract<ChannelEvent, { type: 'message.received' | 'message.sent' }>) {
  return {
    ...idsOf(event),
    messageId: event.messageId,
    referenceId: event.referenceId,
    from: number(event.from),
    to: number(event.to),
    text: event.text,
    segments: event.segments,
    encoding: event.encoding,
  };
}

function dataOf(event: ChannelEvent): Record<string, unknown> | undefined {
  const ids = idsOf(event);
  switch (event.type) {
    case 'message.received':
      return compact({
        ...messageData(event),
        startedConversation: event.startedConversation,
        consent: compact({ kind: event.consent.kind, keyword: event.consent.keyword }),
      });
    case 'message.sent':
      return compact({
        ...messageData(event),
        // Absent on the event means the HTTP API; a subscriber should not have to know that convention.
        origin: event.origin ?? 'api',
        status: event.status,
        failure: event.failure && { code: event.failure.code, reason: event.failure.reason },
      });
    case 'message.status_changed':
      // `previousStatus`/`status` rather than the event's `from`/`to`, which in every other payload are numbers.
      return compact({
        ...ids,
        messageId: event.messageId,
        referenceId: event.referenceId,
        previousStatus: event.from,
        status: event.to,
        code: event.code,
        description: event.description,
      });
    case 'conversation.started':
      return compact({
        ...ids,
        cause: event.cause,
        state: event.state,
        queue: event.queue,
        priority: event.priority,
        rule: event.rule,
        previousConversationId: event.previousConversationId,
        customer: number(event.customer),
        supportNumber: number(event.supportNumber),
      });
    case 'conversation.state_changed':
      return compact({
        ...ids,
        cause: event.cause,
        previousState: event.from,
        state: event.to,
        queue: event.queue,
        agentId: event.agentId,
        previousAgentId: event.previousAgentId,
        closeReason: event.closeReason,
      });
    case 'consent.changed':
      return { ...ids, customer: number(event.customer), consent: event.state, keyword: event.keyword };
    default:
      return undefined;
  }
}

/** The body for one channel event; undefined for a type that is not delivered to webhooks. */
export function webhookPayloadOf(event: ChannelEvent): WebhookPayload | undefined {
  if (!isWebhookEventType(event.type)) return undefined;
  const data = dataOf(event);
  return data && { type: event.type, timestamp: event.at, data };
}

/** Whether an endpoint subscribed to this type, by name or through `*`. */
export function wantsEvent(endpoint: { events: WebhookEventSelection }, type: WebhookEventType): boolean {
  return (endpoint.events as readonly string[]).some((e) => e === '*' || e === type);
}
