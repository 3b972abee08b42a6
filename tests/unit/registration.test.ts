jest.mock('@azure/functions-core', () => require('../support/functionsCoreStub'), { virtual: true });

import { registered, triggerOf } from '../support/functionsCoreStub';

describe('function registration', () => {
  beforeAll(async () => {
    await import('../../functions/telesignCallback');
  });

  it('registers telesignCallback as an anonymous POST HTTP trigger on telesign/callback', () => {
    const trigger = triggerOf('telesignCallback');
    expect(trigger).toMatchObject({ type: 'httpTrigger', authLevel: 'anonymous', route: 'telesign/callback', methods: ['POST'] });
    expect(registered.filter((f) => f.name === 'telesignCallback')).toHaveLength(1);
  });
});
