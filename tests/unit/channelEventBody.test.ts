import { parseChannelEventBody } from '../../shared/domain/channelEventBody';
import type { ConversationStateChangedEvent } from '../../shared/domain/channelEvents';
import { InvalidEventError } from '../../shared/domain/queueBody';

const closed: ConversationStateChangedEvent = {
  schemaVersion: 1,
  id: 'evt-1',
  type: 'conversation.state_changed',
  at: '2026-03-01T10:00:00.000Z',
  account: 'ACCOUNT-1',
  threadId: 'T1',
  conversationId: 'T1.1',
  cause: 'close',
  from: 'active',
  to: 'closed',
  closeReason: 'resolved',
  queue: 'general',
};

describe('a channel event from a subscription', () => {
  it('is read from parsed JSON, a string or bytes', () => {
    for (const body of [closed, JSON.stringify(closed), Buffer.from(JSON.stringify(closed))]) {
      expect(parseChannelEventBody(body)).toEqual({ known: true, event: closed });
    }
  });

  it('of a type this reader does not know is skipped, not refused', () => {
    expect(parseChannelEventBody({ ...closed, type: 'agent.typing', extra: 1 })).toEqual({
      known: false,
      id: 'evt-1',
      type: 'agent.typing',
    });
  });

  it('is refused, naming what is wrong, when it is not a channel event or a known type is malformed', () => {
    expect(() => parseChannelEventBody('not json')).toThrow(InvalidEventError);
    expect(() => parseChannelEventBody({ type: 'message.received' })).toThrow(/not a channel event: .*schemaVersion/);
    expect(() => parseChannelEventBody({ ...closed, to: 'gone' })).toThrow(
      /The conversation.state_changed event is not valid: to:/,
    );
  });
});
