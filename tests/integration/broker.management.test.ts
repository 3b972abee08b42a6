import { isServiceBusError } from '@azure/service-bus';

import { type BrokerHarness, receiveAll, startBroker } from '../support/brokerHarness';

const SESSION_QUEUE = 'events';
const PLAIN_QUEUE = 'plain';

describe('embedded broker $management through the real SDK', () => {
  let h: BrokerHarness;

  beforeEach(async () => {
    h = await startBroker([
      { name: SESSION_QUEUE, requiresSession: true },
      { name: PLAIN_QUEUE, requiresSession: false, lockDurationMs: 1000 },
    ]);
  });

  afterEach(async () => {
    await h.close();
  });

  test('peek shows a session in order without locking it, and pages on from the last peeked message', async () => {
    await h.client.createSender(SESSION_QUEUE).sendMessages([1, 2, 3].map((n) => ({ body: n, sessionId: 'a' })));
    const receiver = await h.client.acceptSession(SESSION_QUEUE, 'a');
    expect((await receiver.peekMessages(2)).map((m) => m.body)).toEqual([1, 2]);
    expect((await receiver.peekMessages(2)).map((m) => m.body)).toEqual([3]);
    expect((await receiveAll(receiver, 3)).map((m) => m.body)).toEqual([1, 2, 3]);
  });

  test('session lock renewal and session state', async () => {
    await h.client.createSender(SESSION_QUEUE).sendMessages({ body: 1, sessionId: 'a' });
    const receiver = await h.client.acceptSession(SESSION_QUEUE, 'a');
    const renewed = await receiver.renewSessionLock();
    expect(renewed.getTime()).toBeGreaterThan(Date.now());

    expect(await receiver.getSessionState()).toBeNull();
    await receiver.setSessionState({ step: 2 });
    expect(await receiver.getSessionState()).toEqual({ step: 2 });
  });

  test('message lock renewal, and settlement by lock token once the receiving link is gone', async () => {
    await h.client.createSender(PLAIN_QUEUE).sendMessages({ body: 'slow' });
    const receiver = h.client.createReceiver(PLAIN_QUEUE, { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiveAll(receiver, 1);
    const renewed = await receiver.renewMessageLock(message);
    expect(renewed.getTime()).toBeGreaterThan(Date.now());

    await receiver.close();
    const other = h.client.createReceiver(PLAIN_QUEUE);
    await other.completeMessage(message);
    expect(await other.peekMessages(5)).toEqual([]);
  });

  test('an expired message lock makes the message available again and its old lock unusable', async () => {
    await h.client.createSender(PLAIN_QUEUE).sendMessages({ body: 'forgotten' });
    const receiver = h.client.createReceiver(PLAIN_QUEUE, { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiveAll(receiver, 1);

    await new Promise((resolve) => setTimeout(resolve, 1200));
    const [again] = await receiveAll(receiver, 1);
    expect([again.body, again.deliveryCount]).toEqual(['forgotten', 1]);

    const error = await receiver.completeMessage(message).catch((e: unknown) => e);
    expect(isServiceBusError(error) && error.code).toBe('MessageLockLost');
    await receiver.completeMessage(again);
  });

  test('an unsupported operation fails instead of hanging', async () => {
    await h.client.createSender(PLAIN_QUEUE).sendMessages({ body: 'later' });
    const receiver = h.client.createReceiver(PLAIN_QUEUE);
    const [message] = await receiveAll(receiver, 1);
    await expect(receiver.deferMessage(message)).rejects.toThrow(/not supported/);
    await expect(receiver.receiveDeferredMessages(message.sequenceNumber!)).rejects.toThrow(/not supported/);
  });
});
