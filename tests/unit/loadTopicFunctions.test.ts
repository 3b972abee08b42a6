jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { app } from '@azure/functions';

import { registered } from '../../local/functionsCore';
import { describeFunctions } from '../../local/loadFunctions';

describe('loadFunctions', () => {
  it('describes a Service Bus topic trigger by its topic and subscription', () => {
    const handler = async () => undefined;
    app.serviceBusTopic('onChannelEvent', {
      topicName: '%CHANNEL_EVENTS_TOPIC%',
      subscriptionName: 'dynamics',
      connection: 'ServiceBusConnection',
      isSessionsEnabled: true,
      handler,
    });
    expect(describeFunctions(registered).serviceBus).toEqual([
      {
        name: 'onChannelEvent',
        topicName: '%CHANNEL_EVENTS_TOPIC%',
        subscriptionName: 'dynamics',
        connection: 'ServiceBusConnection',
        handler: expect.any(Function),
      },
    ]);
  });
});
