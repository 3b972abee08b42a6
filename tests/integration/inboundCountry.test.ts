import { threadIdOf } from '../../shared/domain/threadId';
import { routeEvent } from '../../shared/services/route';
import { inboundEvent, type RouteHarness, startRouteHarness } from '../support/routeHarness';
import { account1 } from '../support/telesignFixtures';

let h: RouteHarness;
beforeAll(async () => {
  h = await startRouteHarness();
});
afterAll(async () => {
  await h.stop();
});

const SUPPORT = '14252306549';
let customerSeq = 700;
const newCustomer = () => `1555555${String(++customerSeq).padStart(4, '0')}`;

/** The first message of a new customer's thread, as stored. */
async function firstStoredMessage(customer: string) {
  const threadId = threadIdOf(account1.customerId, SUPPORT, customer);
  return (await h.deps.threads.readMessage(threadId, 1, 1)).message;
}

describe("the customer's country on an inbound message", () => {
  it('is stored with the routed message as Telesign reported it', async () => {
    const customer = newCustomer();
    const event = inboundEvent({ from: customer, text: 'hello' });
    expect(event.isoCountryCode).toBe('US');
    await routeEvent(event, h.deps);
    expect(await firstStoredMessage(customer)).toMatchObject({ direction: 'inbound', isoCountryCode: 'US' });
  });

  it('is left out when Telesign did not report one', async () => {
    const customer = newCustomer();
    await routeEvent({ ...inboundEvent({ from: customer, text: 'hello' }), isoCountryCode: undefined }, h.deps);
    const stored = await firstStoredMessage(customer);
    expect(stored).toMatchObject({ direction: 'inbound', text: 'hello' });
    expect(stored).not.toHaveProperty('isoCountryCode', expect.anything());
  });
});
