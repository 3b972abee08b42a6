jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

/**
 * The whole local channel while Service Bus is down, then back:
 * - a change nothing would replay (here an API close): the caller is told it is done, its events wait in the
 *   outbox, and once the topic is back the republisher hands them to the Dynamics relay, which ends the Dynamics
 *   conversation (docs/architecture.md §Publishing after the commit);
 * - an agent's reply: the webhook answers 503 (nothing queued), and Dynamics' own retry, once the queue is back,
 *   is queued and sent once.
 */
import { SANDBOX_ACCOUNT } from '../../local/localSettings';
import { silentLogger } from '../../shared/log';
import { type ChannelHarness, eventually, startChannelHarness } from '../support/channelHarness';

let h: ChannelHarness;

beforeAll(async () => {
  // Dynamics' webhook retries a second and two seconds later (3 attempts in all, docs/dynamics-protocol.md §5).
  h = await startChannelHarness({ dynamicsSandbox: { webhook: { retryDelaysMs: [1_000, 2_000] } } });
}, 30_000);

afterAll(async () => {
  await h?.stop();
}, 60_000);

describe('channel events of an API change while the topic is down', () => {
  it('are kept, the close answers 200, and they reach Dynamics once the topic is back', async () => {
    const customer = '15555550177';
    await h.channel.sandbox!.simulateInbound({ from: customer, to: SANDBOX_ACCOUNT.supportNumber, text: 'Hello?' });
    const inDynamics = () =>
      h.channel.dynamicsSandbox!.conversations().filter((c) => c.customerContext.phonenumber === `+${customer}`);
    await eventually(
      async () => inDynamics(),
      (found) => found.length === 1,
      10_000,
    );
    const listed = await h.api('GET', '/api/conversations?state=open');
    const ours = listed.body.items.find(
      (c: { customerNumber: { digits: string } }) => c.customerNumber.digits === customer,
    );

    await h.channel.broker!.stop();
    let closed;
    try {
      closed = await h.api('POST', `/api/conversations/${ours.id}/close`, { reason: 'resolved' });
      expect(await h.channel.app.republishChannelEvents(silentLogger).catch((e: Error) => e.message)).toMatch(
        /cannot take/,
      );
    } finally {
      await h.channel.broker!.resume();
    }
    expect(closed).toMatchObject({ status: 200, body: { state: 'closed' } });
    expect(h.logs.some((l) => l.includes('channel events kept in the outbox'))).toBe(true);
    expect(inDynamics()[0].customerActivities.map((a) => a.kind)).not.toContain('endOfConversation');

    expect(await h.channel.app.republishChannelEvents(silentLogger)).toBeGreaterThan(0);
    const [ended] = await eventually(
      async () => inDynamics(),
      (found) => found[0].customerActivities.some((a) => a.kind === 'endOfConversation'),
      10_000,
    );
    expect(ended.customerActivities.filter((a) => a.kind === 'endOfConversation')).toHaveLength(1);
    expect(await h.channel.app.republishChannelEvents(silentLogger)).toBe(0);
  }, 60_000);
});

describe('an agent reply while the activities queue is down', () => {
  it("is answered 503, and Dynamics' retry once the queue is back is sent once", async () => {
    const customer = '15555550178';
    await h.channel.sandbox!.simulateInbound({ from: customer, to: SANDBOX_ACCOUNT.supportNumber, text: 'Anyone?' });
    const dynamics = h.channel.dynamicsSandbox!;
    const [conversation] = await eventually(
      async () => dynamics.conversations().filter((c) => c.customerContext.phonenumber === `+${customer}`),
      (found) => found.length === 1,
      10_000,
    );
    dynamics.accept(conversation.conversationId);
    await dynamics.webhookIdle();

    await h.channel.broker!.stop();
    const attemptsBefore = dynamics.webhookAttempts().length;
    try {
      dynamics.reply(conversation.conversationId, 'Here, _sorry_ for the wait');
      await eventually(
        async () => dynamics.webhookAttempts().slice(attemptsBefore),
        (attempts) => attempts.length > 0,
        10_000,
      );
    } finally {
      await h.channel.broker!.resume();
    }
    await dynamics.webhookIdle();
    const attempts = dynamics.webhookAttempts().slice(attemptsBefore);
    expect(attempts[0].status).toBe(503);
    expect(attempts[attempts.length - 1].status).toBe(200);

    const toCustomer = await eventually(
      async () => h.channel.sandbox!.sent().filter((m) => m.phoneNumber === customer),
      (sent) => sent.length > 0,
      10_000,
    );
    expect(toCustomer.map((m) => m.message)).toEqual(['Here, sorry for the wait']);
  }, 60_000);
});
