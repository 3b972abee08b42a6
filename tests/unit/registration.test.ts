jest.mock('@azure/functions-core', () => require('../support/functionsCoreStub'), { virtual: true });

import { registered, triggerOf } from '../support/functionsCoreStub';

describe('function registration', () => {
  beforeAll(async () => {
    await import('../../functions/telesignCallback');
    await import('../../functions/routeInbound');
  });

  it('registers telesignCallback as an anonymous POST HTTP trigger on telesign/callback', () => {
    const trigger = triggerOf('telesignCallback');
    expect(trigger).toMatchObject({ type: 'httpTrigger', authLevel: 'anonymous', route: 'telesign/callback', methods: ['POST'] });
    expect(registered.filter((f) => f.name === 'telesignCallback')).toHaveLength(1);
  });

  it('registers routeInbound on the session-enabled inbound queue, one message at a time', () => {
    const trigger = triggerOf('routeInbound');
    expect(trigger).toMatchObject({
      type: 'serviceBusTrigger',
      queueName: '%INBOUND_QUEUE_NAME%',
      connection: 'ServiceBusConnection',
      isSessionsEnabled: true,
      cardinality: 'one',
    });
  });
});
