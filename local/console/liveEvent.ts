import type { ChannelEvent } from '../../shared/domain/channelEvents';

/**
 * What the page is told of an event: enough to know what to refetch (ids, type, status or state), not the text
 * or the numbers, which the page reads through the API it already uses.
 */
export interface LiveEvent {
  type: ChannelEvent['type'];
  id: string;
  at: string;
  conversationId: string;
  messageId?: string;
  status?: string;
  state?: string;
}

export function liveEventOf(event: ChannelEvent): LiveEvent {
  const live: LiveEvent = { type: event.type, id: event.id, at: event.at, conversationId: event.conversationId };
  if ('messageId' in event) live.messageId = event.messageId;
  if (event.type === 'message.sent') live.status = event.status;
  if (event.type === 'message.status_changed') live.status = event.to;
  if (event.type === 'conversation.state_changed') live.state = event.to;
  if (event.type === 'conversation.started') live.state = event.state;
  if (event.type === 'consent.changed') live.state = event.state;
  return live;
}
