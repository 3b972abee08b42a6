import { channelEventIds } from '../../shared/domain/channelEventIds';
import { channelEventSchema } from '../../shared/domain/channelEvents';
import {
  conversationChangedEvent,
  inboundMessageEvents,
  messageStatusChangedEvent,
  outboundMessageEvents,
} from '../../shared/domain/channelEventsOf';
import { statusMoveBy } from '../../shared/domain/statusChange';
import type { ConversationRecord, MessageRecord } from '../../shared/domain/thread';

const thread = {
  threadId: 'T1abcdefghijklmnopqrst',
  account: 'ACCOUNT-1',
  supportNumber: '14252306549',
  customerNumber: '15555550100',
};
const conversation: ConversationRecord = {
  n: 2,
  state: 'open',
  queue: 'billing',
  priority: 2,
  rule: 'billing',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
  previous: 1,
  inboundCount: 1,
  outboundCount: 0,
};
const inbound: MessageRecord = {
  conversation: 2,
  m: 1,
  direction: 'inbound',
  text: 'STOP',
  segments: 1,
  encoding: 'GSM-7',
  createdAt: '2026-01-01T10:00:00.000Z',
  referenceId: 'REF1',
  eventId: 'mo-1',
  consentSignal: 'opt_out',
  consentKeyword: 'STOP',
};
const outbound: MessageRecord = {
  conversation: 2,
  m: 2,
  direction: 'outbound',
  text: 'We are on it',
  segments: 1,
  encoding: 'GSM-7',
  createdAt: '2026-01-01T10:01:00.000Z',
  referenceId: 'REF2',
  status: 'delivered',
  idempotencyKey: 'key-1',
  timeline: [
    { status: 'queued', at: '2026-01-01T10:01:00.000Z' },
    { status: 'sent', code: 290, description: 'Message in progress', at: '2026-01-01T10:01:01.000Z' },
    { status: 'delivered', code: 200, description: 'Delivered', at: '2026-01-01T10:01:05.000Z', eventId: 'dr-1' },
  ],
};

const consent = { state: 'opted_out' as const, keyword: 'STOP', at: '2026-01-01T09:59:59.000Z' };

describe('channel event ids', () => {
  it('are the same for the same input and differ by type and by input', () => {
    expect(channelEventIds.messageReceived('mo-1')).toBe(channelEventIds.messageReceived('mo-1'));
    expect(channelEventIds.messageReceived('mo-1')).not.toBe(channelEventIds.messageReceived('mo-2'));
    expect(channelEventIds.messageReceived('mo-1')).not.toBe(channelEventIds.consentChanged('mo-1'));
    expect(channelEventIds.messageStatusChanged('T.1.2', 'sent')).not.toBe(
      channelEventIds.messageStatusChanged('T.1.2', 'delivered'),
    );
    expect(channelEventIds.conversationStateChanged('T.1', 'waiting', 'active', 'mo-1')).not.toBe(
      channelEventIds.conversationStateChanged('T.1', 'waiting', 'active', 'mo-2'),
    );
  });

  it('fit a Service Bus messageId and name no phone number', () => {
    const id = channelEventIds.conversationStateChanged(
      'x'.repeat(64) + '.999999999',
      'open',
      'closed',
      'y'.repeat(200),
    );
    expect(id).toMatch(/^ce-[0-9a-f]{40}$/);
    expect(id.length).toBeLessThanOrEqual(128);
  });
});

describe('the events of an inbound message', () => {
  const applied = { thread, conversation, message: inbound, startedConversation: true, consent };

  it('are started, received and consent changed, each a valid channel event', () => {
    const events = inboundMessageEvents(applied);
    expect(events.map((e) => e.type)).toEqual(['conversation.started', 'message.received', 'consent.changed']);
    for (const event of events) expect(channelEventSchema.parse(event)).toEqual(event);
    expect(events[0]).toMatchObject({
      conversationId: `${thread.threadId}.2`,
      cause: 'inbound',
      state: 'open',
      queue: 'billing',
      previousConversationId: `${thread.threadId}.1`,
      customer: { digits: '15555550100', e164: '+15555550100' },
    });
    expect(events[1]).toMatchObject({
      id: channelEventIds.messageReceived('mo-1'),
      messageId: `${thread.threadId}.2.1`,
      inboundEventId: 'mo-1',
      from: { digits: '15555550100', e164: '+15555550100' },
      to: { digits: '14252306549', e164: '+14252306549' },
      startedConversation: true,
      consent: { kind: 'opt_out', keyword: 'STOP' },
    });
    expect(events[2]).toMatchObject({ state: 'opted_out', keyword: 'STOP', at: consent.at, inboundEventId: 'mo-1' });
  });

  it('come out the same, ids included, when built again from the same records', () => {
    expect(inboundMessageEvents({ ...applied })).toEqual(inboundMessageEvents(applied));
    expect(new Set(inboundMessageEvents(applied).map((e) => e.id)).size).toBe(3);
  });

  it('include the state change when the message moved a waiting conversation', () => {
    const moved = { ...conversation, state: 'active' as const, agentId: 'agent-1' };
    const events = inboundMessageEvents({
      thread,
      conversation: moved,
      message: { ...inbound, text: 'hi', consentSignal: 'none', consentKeyword: undefined },
      startedConversation: false,
      moved: { from: 'waiting', to: 'active' },
    });
    expect(events.map((e) => e.type)).toEqual(['message.received', 'conversation.state_changed']);
    expect(events[1]).toMatchObject({ cause: 'inbound', from: 'waiting', to: 'active', queue: 'billing' });
    expect(events[1].id).toBe(
      channelEventIds.conversationStateChanged(`${thread.threadId}.2`, 'waiting', 'active', 'mo-1'),
    );
  });
});

describe('the events of an outbound message', () => {
  it('are started and sent, with Telesign’s answer, the same when built again', () => {
    const recorded = { thread, conversation, message: outbound, startedConversation: true };
    const events = outboundMessageEvents(recorded);
    expect(events.map((e) => e.type)).toEqual(['conversation.started', 'message.sent']);
    expect(events[1]).toMatchObject({
      id: channelEventIds.messageSent(`${thread.threadId}.2.2`),
      status: 'sent',
      referenceId: 'REF2',
      code: 290,
      idempotencyKey: 'key-1',
      at: '2026-01-01T10:01:01.000Z',
      from: { digits: thread.supportNumber },
      to: { digits: thread.customerNumber },
    });
    for (const event of events) expect(channelEventSchema.parse(event)).toEqual(event);
    expect(outboundMessageEvents({ ...recorded })).toEqual(events);
  });

  it('is not sent while the send has not recorded an outcome', () => {
    const queued = { ...outbound, status: 'queued' as const, timeline: [outbound.timeline![0]] };
    expect(outboundMessageEvents({ thread, conversation, message: queued, startedConversation: false })).toEqual([]);
  });

  it('say why a send failed', () => {
    const failed: MessageRecord = {
      ...outbound,
      referenceId: undefined,
      status: 'failed',
      failureCode: 'telesign_rejected',
      failureReason: 'Telesign refused the message',
      timeline: [outbound.timeline![0], { status: 'failed', description: 'Telesign refused the message', at: 'now' }],
    };
    const [sent] = outboundMessageEvents({ thread, conversation, message: failed, startedConversation: false });
    expect(sent).toMatchObject({
      type: 'message.sent',
      status: 'failed',
      failure: { code: 'telesign_rejected', reason: 'Telesign refused the message' },
    });
  });
});

describe('a status change', () => {
  it('is found again in the timeline, with the same id', () => {
    const move = statusMoveBy(outbound, 'dr-1')!;
    expect(move).toMatchObject({ from: 'sent', to: 'delivered' });
    const event = messageStatusChangedEvent(thread, outbound, move);
    expect(event).toMatchObject({
      type: 'message.status_changed',
      id: channelEventIds.messageStatusChanged(`${thread.threadId}.2.2`, 'delivered'),
      from: 'sent',
      to: 'delivered',
      code: 200,
      reportEventId: 'dr-1',
    });
    expect(messageStatusChangedEvent(thread, outbound, statusMoveBy(outbound, 'dr-1')!)).toEqual(event);
    expect(channelEventSchema.parse(event)).toEqual(event);
  });
});

describe('a conversation change', () => {
  it('names the transition, the agents and the close reason; a later change of the same kind has another id', () => {
    const active = {
      ...conversation,
      state: 'active' as const,
      agentId: 'agent-1',
      updatedAt: '2026-01-02T10:00:00.000Z',
    };
    const closed = {
      ...active,
      state: 'closed' as const,
      closeReason: 'resolved',
      updatedAt: '2026-01-02T11:00:00.000Z',
    };
    const event = conversationChangedEvent(thread, active, closed, 'close');
    expect(event).toMatchObject({
      cause: 'close',
      from: 'active',
      to: 'closed',
      agentId: 'agent-1',
      previousAgentId: 'agent-1',
      closeReason: 'resolved',
      at: closed.updatedAt,
    });
    expect(conversationChangedEvent(thread, active, closed, 'close')).toEqual(event);
    const reassigned = { ...active, agentId: 'agent-2' };
    expect(conversationChangedEvent(thread, active, reassigned, 'assign').id).not.toBe(
      conversationChangedEvent(thread, active, active, 'assign').id,
    );
  });
});
