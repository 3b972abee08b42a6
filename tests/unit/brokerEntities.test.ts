import { brokerEntities, unsetSettings } from '../../local/brokerEntities';
import type { ServiceBusFunction } from '../../local/loadFunctions';

const handler = async () => undefined;
const fn = (name: string, source: Record<string, string>) =>
  ({ name, connection: 'ServiceBusConnection', handler, ...source }) as ServiceBusFunction;
const functions = [
  fn('routeInbound', { queueName: '%INBOUND_QUEUE_NAME%' }),
  fn('relayToDynamics', { topicName: '%CHANNEL_EVENTS_TOPIC%', subscriptionName: 'dynamics' }),
  fn('applyAgentActivity', { queueName: '%DYNAMICS_ACTIVITIES_QUEUE%' }),
];
const env = {
  INBOUND_QUEUE_NAME: 'sms-inbound',
  CHANNEL_EVENTS_TOPIC: 'channel-events',
  DYNAMICS_ACTIVITIES_QUEUE: 'dynamics-activities',
};

describe('the embedded broker entities', () => {
  it('are the queues and subscriptions the triggers read, by session', () => {
    expect(brokerEntities(functions, env, 7)).toEqual({
      queues: [
        { name: 'sms-inbound', requiresSession: true, maxDeliveryCount: 7 },
        { name: 'dynamics-activities', requiresSession: true, maxDeliveryCount: 7 },
      ],
      topics: [
        {
          name: 'channel-events',
          subscriptions: [{ name: 'dynamics', requiresSession: true, maxDeliveryCount: 7 }],
        },
      ],
    });
  });

  it('leave out a trigger whose setting is empty, and keep the topic the app publishes to', () => {
    const partial = { ...env, DYNAMICS_ACTIVITIES_QUEUE: ' ' };
    expect(unsetSettings(functions[2], partial)).toEqual(['DYNAMICS_ACTIVITIES_QUEUE']);
    expect(brokerEntities(functions.slice(0, 1).concat(functions[2]), partial, 10)).toEqual({
      queues: [{ name: 'sms-inbound', requiresSession: true, maxDeliveryCount: 10 }],
      topics: [{ name: 'channel-events', subscriptions: [] }],
    });
  });
});
