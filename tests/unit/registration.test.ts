jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { registered, triggerOf } from '../../local/functionsCore';

describe('function registration', () => {
  beforeAll(async () => {
    await import('../../functions/telesignCallback');
    await import('../../functions/routeInbound');
    await import('../../functions/listConversations');
    await import('../../functions/getConversation');
    await import('../../functions/listConversationMessages');
    await import('../../functions/assignConversation');
    await import('../../functions/waitConversation');
    await import('../../functions/closeConversation');
    await import('../../functions/health');
    await import('../../functions/autoClose');
    await import('../../functions/republishChannelEvents');
    await import('../../functions/settleStuckSends');
  });

  it('registers telesignCallback as an anonymous POST HTTP trigger on telesign/callback', () => {
    const trigger = triggerOf('telesignCallback');
    expect(trigger).toMatchObject({
      type: 'httpTrigger',
      authLevel: 'anonymous',
      route: 'telesign/callback',
      methods: ['POST'],
    });
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

  it.each([
    ['listConversations', 'GET', 'conversations'],
    ['getConversation', 'GET', 'conversations/{id}'],
    ['listConversationMessages', 'GET', 'conversations/{id}/messages'],
    ['assignConversation', 'POST', 'conversations/{id}/assign'],
    ['waitConversation', 'POST', 'conversations/{id}/wait'],
    ['closeConversation', 'POST', 'conversations/{id}/close'],
  ])('registers %s as a function-key %s HTTP trigger on %s', (name, method, route) => {
    expect(triggerOf(name)).toMatchObject({ type: 'httpTrigger', authLevel: 'function', route, methods: [method] });
  });

  it('registers health as an anonymous GET on health', () => {
    expect(triggerOf('health')).toMatchObject({
      type: 'httpTrigger',
      authLevel: 'anonymous',
      route: 'health',
      methods: ['GET'],
    });
  });

  it('registers autoClose as an hourly timer that does not run at start', () => {
    expect(triggerOf('autoClose')).toMatchObject({
      type: 'timerTrigger',
      schedule: '0 0 * * * *',
      runOnStartup: false,
    });
  });

  it('registers republishChannelEvents as a timer every minute that does not run at start', () => {
    expect(triggerOf('republishChannelEvents')).toMatchObject({
      type: 'timerTrigger',
      schedule: '0 * * * * *',
      runOnStartup: false,
    });
  });

  it('registers settleStuckSends as a timer every minute, at second 30, that does not run at start', () => {
    expect(triggerOf('settleStuckSends')).toMatchObject({
      type: 'timerTrigger',
      schedule: '30 * * * * *',
      runOnStartup: false,
    });
  });
});
