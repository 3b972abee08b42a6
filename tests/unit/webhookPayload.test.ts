import type { ChannelEvent } from '../../shared/domain/channelEvents';
import { webhookEventTypes } from '../../shared/domain/webhookEventTypes';
import { wantsEvent, webhookPayloadOf } from '../../shared/domain/webhookPayload';
import { base, customer, event, support } from '../support/channelEventFixtures';

const ids = { conversationId: base.conversationId, threadId: base.threadId };

const received = event({
  type: 'message.received',
  messageId: 'T1abcdefghijklmnopqrst.2.1',
  text: 'STOP',
  segments: 1,
  encoding: 'GSM-7',
  inboundEventId: 'mo-1',
  referenceId: 'REF1',
  from: customer,
  to: support,
  telesignTimestamp: '2026-12-07T09:59:59Z',
  startedConversation: true,
  consent: { kind: 'opt_out', keyword: 'STOP' },
});

const sent = event({
  type: 'message.sent',
  messageId: 'T1abcdefghijklmnopqrst.2.2',
  text: 'You are unsubscribed.',
  segments: 1,
  encoding: 'GSM-7',
  from: support,
  to: customer,
  idempotencyKey: 'auto-reply:mo-1:opt_out',
  origin: 'auto_reply',
  status: 'sent',
  referenceId: 'REF2',
  code: 290,
  description: 'Message in progress',
});

const statusChanged = event({
  type: 'message.status_changed',
  messageId: 'T1abcdefghijklmnopqrst.2.2',
  referenceId: 'REF2',
  from: 'sent',
  to: 'delivered',
  code: 200,
  description: 'Delivered to handset',
  reportEventId: 'dr-9',
});

const started = event({
  type: 'conversation.started',
  cause: 'inbound',
  state: 'open',
  queue: 'billing',
  priority: 2,
  rule: 'billing-words',
  previousConversationId: 'T1abcdefghijklmnopqrst.1',
  customer,
  supportNumber: support,
});

const stateChanged = event({
  type: 'conversation.state_changed',
  cause: 'close',
  from: 'active',
  to: 'closed',
  agentId: 'agent-7',
  previousAgentId: 'agent-3',
  closeReason: 'resolved',
  queue: 'billing',
});

const consent = event({
  type: 'consent.changed',
  customer,
  state: 'opted_out',
  keyword: 'STOP',
  inboundEventId: 'mo-1',
});

describe('webhookPayloadOf', () => {
  it('gives a received message with both forms of each number and the consent signal', () => {
    expect(webhookPayloadOf(received)).toEqual({
      type: 'message.received',
      timestamp: '2026-12-07T10:00:00.000Z',
      data: {
        ...ids,
        messageId: 'T1abcdefghijklmnopqrst.2.1',
        referenceId: 'REF1',
        from: customer,
        to: support,
        text: 'STOP',
        segments: 1,
        encoding: 'GSM-7',
        startedConversation: true,
        consent: { kind: 'opt_out', keyword: 'STOP' },
      },
    });
  });

  it('gives a sent message without its idempotency key or Telesign acceptance code', () => {
    expect(webhookPayloadOf(sent)).toEqual({
      type: 'message.sent',
      timestamp: base.at,
      data: {
        ...ids,
        messageId: 'T1abcdefghijklmnopqrst.2.2',
        referenceId: 'REF2',
        from: support,
        to: customer,
        text: 'You are unsubscribed.',
        segments: 1,
        encoding: 'GSM-7',
        origin: 'auto_reply',
        status: 'sent',
      },
    });
  });

  it('says a message sent through the API came from the API, and why a send failed', () => {
    const failed = event({
      type: 'message.sent',
      messageId: 'T1abcdefghijklmnopqrst.2.3',
      text: 'Hi',
      segments: 1,
      encoding: 'GSM-7',
      from: support,
      to: customer,
      status: 'failed',
      failure: { code: 'telesign_rejected', reason: 'Invalid destination' },
    });
    expect(webhookPayloadOf(failed)!.data).toMatchObject({
      origin: 'api',
      status: 'failed',
      failure: { code: 'telesign_rejected', reason: 'Invalid destination' },
    });
    expect(webhookPayloadOf(failed)!.data).not.toHaveProperty('referenceId');
  });

  it('names a status change previousStatus and status, with the report code and description', () => {
    expect(webhookPayloadOf(statusChanged)).toEqual({
      type: 'message.status_changed',
      timestamp: base.at,
      data: {
        ...ids,
        messageId: 'T1abcdefghijklmnopqrst.2.2',
        referenceId: 'REF2',
        previousStatus: 'sent',
        status: 'delivered',
        code: 200,
        description: 'Delivered to handset',
      },
    });
  });

  it('gives a started conversation with its routing and both numbers', () => {
    expect(webhookPayloadOf(started)).toEqual({
      type: 'conversation.started',
      timestamp: base.at,
      data: {
        ...ids,
        cause: 'inbound',
        state: 'open',
        queue: 'billing',
        priority: 2,
        rule: 'billing-words',
        previousConversationId: 'T1abcdefghijklmnopqrst.1',
        customer,
        supportNumber: support,
      },
    });
  });

  it('names a state change previousState and state', () => {
    expect(webhookPayloadOf(stateChanged)).toEqual({
      type: 'conversation.state_changed',
      timestamp: base.at,
      data: {
        ...ids,
        cause: 'close',
        previousState: 'active',
        state: 'closed',
        queue: 'billing',
        agentId: 'agent-7',
        previousAgentId: 'agent-3',
        closeReason: 'resolved',
      },
    });
  });

  it('gives a consent change', () => {
    expect(webhookPayloadOf(consent)).toEqual({
      type: 'consent.changed',
      timestamp: base.at,
      data: { ...ids, customer, consent: 'opted_out', keyword: 'STOP' },
    });
  });

  it('leaves out the optional fields an event does not carry', () => {
    const bare = event({
      type: 'conversation.state_changed',
      cause: 'assign',
      from: 'open',
      to: 'active',
      queue: 'default',
    });
    expect(Object.keys(webhookPayloadOf(bare)!.data).sort()).toEqual(
      ['conversationId', 'threadId', 'cause', 'previousState', 'state', 'queue'].sort(),
    );
    const noKeyword = event({ ...received, consent: { kind: 'none' }, referenceId: undefined });
    const data = webhookPayloadOf(noKeyword)!.data;
    expect(data.consent).toEqual({ kind: 'none' });
    expect(data).not.toHaveProperty('referenceId');
    expect(JSON.stringify(webhookPayloadOf(noKeyword))).not.toContain('undefined');
  });

  const all = [received, sent, statusChanged, started, stateChanged, consent];

  it('delivers every channel event type, under its own name', () => {
    expect(all.map((e) => webhookPayloadOf(e)!.type)).toEqual([...webhookEventTypes]);
  });

  it.each(all.map((e) => [e.type, e] as const))(
    'keeps internal ids, the account and Telesign details out of %s',
    (_, e) => {
      const json = JSON.stringify(webhookPayloadOf(e));
      for (const hidden of [
        base.id,
        'TELESIGN-CUSTOMER-ID',
        'schemaVersion',
        'inboundEventId',
        'mo-1"',
        'idempotencyKey',
        'auto-reply:',
        'reportEventId',
        'dr-9',
        'telesignTimestamp',
        'Message in progress',
      ]) {
        expect(json).not.toContain(hidden);
      }
    },
  );

  it('takes a field added to an event later only once the payload is written for it', () => {
    const withExtra = { ...consent, secretToken: 'do-not-leak' } as unknown as ChannelEvent;
    expect(JSON.stringify(webhookPayloadOf(withExtra))).not.toContain('do-not-leak');
  });

  it('gives nothing for an event type that is not delivered', () => {
    const unknown = { ...base, type: 'thread.archived' } as unknown as ChannelEvent;
    expect(webhookPayloadOf(unknown)).toBeUndefined();
  });

  it('carries text as it was, unicode and all', () => {
    const text = 'Ça marche 👍 "quoted" \\ back\nslash';
    const payload = webhookPayloadOf(event({ ...received, text }))!;
    expect(JSON.parse(JSON.stringify(payload)).data.text).toBe(text);
  });
});

describe('wantsEvent', () => {
  it('takes the types an endpoint lists and no others', () => {
    const endpoint = { events: ['message.received', 'consent.changed'] as const };
    expect(wantsEvent(endpoint, 'message.received')).toBe(true);
    expect(wantsEvent(endpoint, 'consent.changed')).toBe(true);
    expect(wantsEvent(endpoint, 'message.sent')).toBe(false);
    expect(wantsEvent(endpoint, 'conversation.state_changed')).toBe(false);
  });

  it('takes every type for "*"', () => {
    const endpoint = { events: ['*'] as const };
    for (const type of webhookEventTypes) expect(wantsEvent(endpoint, type)).toBe(true);
  });

  it('takes nothing for an empty list', () => {
    expect(webhookEventTypes.some((type) => wantsEvent({ events: [] }, type))).toBe(false);
  });
});
