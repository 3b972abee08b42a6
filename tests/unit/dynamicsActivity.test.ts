import {
  activityKey,
  classifyActivity,
  parseWebhookActivity,
  type WebhookActivity,
} from '../../shared/dynamics/activity';

const CONVERSATION = '0f8fad5b-d9cb-469f-a165-70867728950e';
const CHANNEL = 'c4a3b2d1-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

function parsed(body: unknown): WebhookActivity {
  const result = parseWebhookActivity(body, CONVERSATION);
  if (!result.ok) throw new Error(result.message);
  return result.activity;
}

// The documentation's webhook samples, with their placeholders filled in.
const samples = {
  accepted: {
    type: 'message',
    channelId: CHANNEL,
    conversation: { id: CONVERSATION },
    text: 'EventName: **_AgentAccepted_**',
    name: 'AgentAccepted',
  },
  typing: { type: 'typing', channelId: 'MessagingApi', conversation: { id: CONVERSATION }, recipient: { id: 'r-1' } },
  text: {
    type: 'message',
    channelId: CHANNEL,
    from: { id: 'agent-7', name: 'Dana' },
    conversation: { id: CONVERSATION },
    textFormat: 'markdown',
    text: 'hello',
  },
  attachment: {
    type: 'message',
    channelId: CHANNEL,
    from: { id: 'agent-7', name: 'Dana' },
    conversation: { id: CONVERSATION },
    textFormat: 'markdown',
    attachments: [
      {
        contentType: 'image/jpeg',
        contentUrl: 'https://files.example/issue.jpg',
        content: null,
        name: 'issue (1).jpg',
        thumbnailUrl: null,
      },
    ],
  },
  closed: {
    type: 'message',
    channelId: CHANNEL,
    from: { id: 'agent-7' },
    conversation: { id: CONVERSATION },
    text: 'EventName: **_AgentClosed_**',
    name: 'AgentClosed',
  },
};

describe('parseWebhookActivity', () => {
  it('accepts every documented sample and keeps unknown members', () => {
    for (const sample of Object.values(samples)) expect(parseWebhookActivity(sample, CONVERSATION).ok).toBe(true);
    expect(parsed(samples.typing)).toMatchObject({ recipient: { id: 'r-1' } });
  });

  it('accepts the conversation id in any case, and a body without one', () => {
    expect(
      parseWebhookActivity({ ...samples.text, conversation: { id: CONVERSATION.toUpperCase() } }, CONVERSATION).ok,
    ).toBe(true);
    expect(parseWebhookActivity({ type: 'message', text: 'hi' }, CONVERSATION).ok).toBe(true);
  });

  it.each([
    [null, /body/],
    [{ text: 'hi' }, /type/],
    [{ ...samples.text, name: 'x'.repeat(257) }, /name/],
    [{ ...samples.text, from: { id: 'a'.repeat(300) } }, /from\.id/],
    [{ ...samples.text, text: 'x'.repeat(32_001) }, /text/],
    [{ ...samples.text, attachments: Array.from({ length: 21 }, () => ({ contentUrl: 'https://a' })) }, /attachments/],
    [{ ...samples.text, conversation: { id: '11111111-2222-3333-4444-555555555555' } }, /another conversation/],
  ])('refuses %j precisely', (body, message) => {
    const result = parseWebhookActivity(body, CONVERSATION);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe('classifyActivity', () => {
  it('drops typing', () => {
    expect(classifyActivity(parsed(samples.typing))).toEqual({ kind: 'ignored', reason: 'typing' });
  });

  it('reads a named message as a system event, never as text to send', () => {
    expect(classifyActivity(parsed(samples.accepted))).toEqual({
      kind: 'system',
      event: 'agent_joined',
      name: 'AgentAccepted',
      agent: {},
    });
    expect(classifyActivity(parsed(samples.closed))).toEqual({
      kind: 'system',
      event: 'closed',
      name: 'AgentClosed',
      agent: { id: 'agent-7' },
    });
  });

  it.each([
    ['AgentAssigned', 'agent_joined'],
    ['AgentJoinedCustomerConversation', 'agent_joined'],
    ['AgentEndSession', 'closed'],
    ['PrimaryAgentEndConversation', 'closed'],
    ['ConversationClose', 'closed'],
    ['ConversationClosed', 'closed'],
    ['SupervisorForceClosedConversation', 'closed'],
    ['TransferToQueueInitiated', 'transfer'],
    ['TransferAgentAcceptSession', 'transfer'],
    ['ConsultAgentInitiated', 'other'],
    ['CustomerDisconnected', 'other'],
    ['OutOfOperatingHoursDueToHoliday', 'other'],
    ['SomethingNewFromMicrosoft', 'other'],
  ])('%s is %s, whatever the activity type', (name, event) => {
    for (const type of ['message', 'event']) {
      expect(
        classifyActivity(parsed({ type, conversation: { id: CONVERSATION }, name, text: `EventName: ${name}` })),
      ).toMatchObject({ kind: 'system', event, name });
    }
  });

  it('matches event names without regard to case', () => {
    expect(classifyActivity(parsed({ type: 'event', name: 'agentaccepted' }))).toMatchObject({ event: 'agent_joined' });
  });

  it('reads a message without a name as the agent speaking, with its attachment links', () => {
    expect(classifyActivity(parsed(samples.text))).toEqual({
      kind: 'agent_message',
      text: 'hello',
      textFormat: 'markdown',
      attachments: [],
      agent: { id: 'agent-7', name: 'Dana' },
    });
    expect(classifyActivity(parsed(samples.attachment))).toEqual({
      kind: 'agent_message',
      text: '',
      textFormat: 'markdown',
      attachments: [
        { contentUrl: 'https://files.example/issue.jpg', contentType: 'image/jpeg', name: 'issue (1).jpg' },
      ],
      agent: { id: 'agent-7', name: 'Dana' },
    });
  });

  it('ignores an empty message and an unnamed activity of another type', () => {
    expect(classifyActivity(parsed({ type: 'message', text: '  ', attachments: [{ contentUrl: '' }] }))).toEqual({
      kind: 'ignored',
      reason: 'empty_message',
    });
    expect(classifyActivity(parsed({ type: 'event', value: { x: 1 } }))).toEqual({
      kind: 'ignored',
      reason: 'unsupported_type',
    });
  });
});

describe('activityKey', () => {
  it('is the same for the same activity delivered again, and an idempotency-key-safe string', () => {
    const key = activityKey(parsed(samples.text), CONVERSATION);
    expect(activityKey(parsed(JSON.parse(JSON.stringify(samples.text))), CONVERSATION)).toBe(key);
    expect(key).toMatch(/^[\x21-\x7e]{1,200}$/);
  });

  it('follows the id when there is one, whatever else differs', () => {
    const a = parsed({ ...samples.text, id: 'm-1' });
    const b = parsed({ ...samples.text, id: 'm-1', text: 'edited' });
    expect(activityKey(a, CONVERSATION)).toBe(activityKey(b, CONVERSATION));
    expect(activityKey(a, CONVERSATION)).not.toBe(activityKey(parsed({ ...samples.text, id: 'm-2' }), CONVERSATION));
    // The same id in another conversation is another activity.
    expect(activityKey(parsed({ type: 'message', text: 'x', id: 'm-1' }), CONVERSATION)).not.toBe(
      activityKey(parsed({ type: 'message', text: 'x', id: 'm-1' }), '11111111-2222-3333-4444-555555555555'),
    );
  });

  it('without an id, differs with the text, name, type, timestamp or attachments', () => {
    const base = activityKey(parsed(samples.text), CONVERSATION);
    const variants = [
      { ...samples.text, text: 'hello!' },
      { ...samples.text, name: 'AgentAccepted' },
      { ...samples.text, type: 'event' },
      { ...samples.text, timestamp: '2026-01-01T00:00:00Z' },
      { ...samples.attachment, text: 'hello' },
    ];
    for (const v of variants) expect(activityKey(parsed(v), CONVERSATION)).not.toBe(base);
  });

  it('keeps the boundaries between the parts it digests', () => {
    const a = parsed({ type: 'message', name: 'ab', text: 'c' });
    const b = parsed({ type: 'message', name: 'a', text: 'bc' });
    expect(activityKey(a, CONVERSATION)).not.toBe(activityKey(b, CONVERSATION));
  });
});
