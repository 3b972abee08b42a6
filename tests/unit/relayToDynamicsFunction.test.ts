jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import type { InvocationContext } from '@azure/functions';

import { relayToDynamics } from '../../functions/relayToDynamics';
import { triggerOf } from '../../local/functionsCore';
import { type App, resetApp, useApp } from '../../shared/app';
import type { ChannelEvent, ConversationStateChangedEvent } from '../../shared/domain/channelEvents';

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
  queue: 'general',
};

const lines: string[] = [];
const ctx = {
  log: (m: string) => lines.push(`info ${m}`),
  warn: (m: string) => lines.push(`warn ${m}`),
  error: (m: string) => lines.push(`error ${m}`),
  triggerMetadata: { messageId: 'evt-1' },
} as unknown as InvocationContext;

function appWith(dynamics: Partial<NonNullable<App['dynamics']>> | undefined): App {
  return { dynamics, close: async () => undefined } as unknown as App;
}

afterEach(async () => {
  lines.length = 0;
  await resetApp();
});

describe('relayToDynamics', () => {
  it('is the session-enabled dynamics subscription of the channel events topic, one event at a time', () => {
    expect(triggerOf('relayToDynamics')).toMatchObject({
      type: 'serviceBusTrigger',
      topicName: '%CHANNEL_EVENTS_TOPIC%',
      subscriptionName: 'dynamics',
      connection: 'ServiceBusConnection',
      isSessionsEnabled: true,
      cardinality: 'one',
    });
  });

  it('completes every event, even one that is not valid, while the bridge is off', async () => {
    useApp(appWith(undefined));
    await expect(relayToDynamics(JSON.stringify(closed), ctx)).resolves.toBeUndefined();
    await expect(relayToDynamics('not json', ctx)).resolves.toBeUndefined();
  });

  it('hands a channel event to the bridge, skips an unknown type and throws on an invalid body', async () => {
    const relayed: ChannelEvent[] = [];
    useApp(appWith({ relay: async (event) => void relayed.push(event) }));
    await relayToDynamics(Buffer.from(JSON.stringify(closed)), ctx);
    expect(relayed).toEqual([closed]);

    await relayToDynamics({ ...closed, type: 'agent.typing' }, ctx);
    expect(relayed).toHaveLength(1);
    expect(lines).toContain('info channel event of an unknown type skipped');

    await expect(relayToDynamics({ ...closed, to: 'gone' }, ctx)).rejects.toThrow(/is not valid/);
    expect(lines.some((l) => l.startsWith('error channel event refused'))).toBe(true);
  });

  it('throws what the bridge throws, so Service Bus redelivers', async () => {
    useApp(appWith({ relay: () => Promise.reject(new Error('Dynamics is down')) }));
    await expect(relayToDynamics(closed, ctx)).rejects.toThrow('Dynamics is down');
  });
});
