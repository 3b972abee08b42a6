import { createHash } from 'node:crypto';

import type { ChannelEventType } from './channelEvents';

/**
 * A channel event's id is a digest of its type and of what identifies the change, never of when it was computed:
 * the same input replayed (a redelivered inbound event, a retried send) gives the same id. Fixed length and
 * URL-safe, so it fits a Service Bus messageId (at most 128 characters) and carries no phone number.
 */
function eventId(type: ChannelEventType, ...parts: string[]): string {
  return (
    'ce-' +
    createHash('sha256')
      .update(JSON.stringify([type, ...parts]))
      .digest('hex')
      .slice(0, 40)
  );
}

export const channelEventIds = {
  /** One per inbound message: the InboundEvent that carried it. */
  messageReceived: (inboundEventId: string) => eventId('message.received', inboundEventId),
  /** One per outbound message: the send path records its outcome once. */
  messageSent: (messageId: string) => eventId('message.sent', messageId),
  /** A status only ever moves forward, so a message reaches each status at most once. */
  messageStatusChanged: (messageId: string, to: string) => eventId('message.status_changed', messageId, to),
  /** A conversation starts once. */
  conversationStarted: (conversationId: string) => eventId('conversation.started', conversationId),
  /**
   * States can repeat (waiting → active → waiting), so the transition alone is not enough: `cause` is the
   * inbound event that moved it, or, for an agent's action, the time of the change as stored and the agent.
   */
  conversationStateChanged: (conversationId: string, from: string, to: string, ...cause: string[]) =>
    eventId('conversation.state_changed', conversationId, from, to, ...cause),
  /** The inbound message that changed consent. */
  consentChanged: (inboundEventId: string) => eventId('consent.changed', inboundEventId),
};
