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
import { auditedLogger } from '../support/capturingLogger';
import { type ChannelHarness, deadLettersOf, eventually, startChannelHarness } from '../support/channelHarness';
import { recordFigures } from '../support/figures';

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
    const outages = 1;
    let closed;
    try {
      closed = await h.api('POST', `/api/conversations/${ours.id}/close`, { reason: 'resolved' });
      expect(await h.channel.app.republishChannelEvents(auditedLogger).catch((e: Error) => e.message)).toMatch(
        /cannot take/,
      );
    } finally {
      await h.channel.broker!.resume();
    }
    expect(closed).toMatchObject({ status: 200, body: { state: 'closed' } });
    expect(h.logs.some((l) => l.includes('channel events kept in the outbox'))).toBe(true);
    expect(inDynamics()[0].customerActivities.map((a) => a.kind)).not.toContain('endOfConversation');

    expect(await h.channel.app.republishChannelEvents(auditedLogger)).toBeGreaterThan(0);
    const [ended] = await eventually(
      async () => inDynamics(),
      (found) => found[0].customerActivities.some((a) => a.kind === 'endOfConversation'),
      10_000,
    );
    const ends = ended.customerActivities.filter((a) => a.kind === 'endOfConversation').length;
    // The close is the change whose events waited in the outbox: lost if Dynamics never ended the conversation,
    // doubled if it ended it more than once. '5xx': the channel's API answers here, none of which may be one.
    recordFigures('brokerOutage', {
      'fault: broker stopped': outages,
      lost: ends === 0 ? 1 : 0,
      doubled: Math.max(0, ends - 1),
      '5xx': [listed, closed].filter((r) => r !== undefined && r.status >= 500).length,
    });
    expect(ended.customerActivities.filter((a) => a.kind === 'endOfConversation')).toHaveLength(1);
    expect(await h.channel.app.republishChannelEvents(auditedLogger)).toBe(0);
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
    const outages = 1;
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
    // The reply was taken (the last attempt answered 200): lost if no SMS went out, sent twice if more than one.
    // The webhook's 503 while the queue was down is its designed answer, so no '5xx' figure here.
    recordFigures('brokerOutage', {
      'fault: broker stopped': outages,
      'SMS sent': toCustomer.length,
      lost: toCustomer.length === 0 ? 1 : 0,
      'sent twice': Math.max(0, toCustomer.length - 1),
    });
    expect(toCustomer.map((m) => m.message)).toEqual(['Here, sorry for the wait']);
  }, 60_000);
});

describe('after both outages', () => {
  it('dead-letters nothing', async () => {
    const found = await deadLettersOf(h.channel);
    recordFigures('brokerOutage', { 'dead-lettered': found.reduce((n, f) => n + f.dead.length, 0) });
    for (const { source, dead } of found) expect({ source, dead }).toEqual({ source, dead: [] });
  });
});
