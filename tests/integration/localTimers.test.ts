jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { SANDBOX_ACCOUNT } from '../../local/localSettings';
import { threadIdOf } from '../../shared/domain/threadId';
import { type ChannelHarness, eventually, startChannelHarness } from '../support/channelHarness';

/**
 * The local host runs the timer functions as well as the HTTP and Service Bus ones: with its interval shortened
 * and a tiny idle limit, the hourly auto-close closes a conversation within seconds.
 */
const SUPPORT = SANDBOX_ACCOUNT.supportNumber;
const IDLE_DAYS = 0.00002; // 1.7 s
let h: ChannelHarness;

beforeAll(async () => {
  h = await startChannelHarness({
    env: {
      LOCAL_TIMER_INTERVAL_SECONDS: '0.2',
      AUTO_CLOSE_OPEN_DAYS: String(IDLE_DAYS),
      AUTO_CLOSE_ACTIVE_DAYS: String(IDLE_DAYS),
      AUTO_CLOSE_WAITING_DAYS: String(IDLE_DAYS),
    },
  });
});

afterAll(async () => {
  await h.stop();
});

describe('the local host', () => {
  it('runs the autoClose timer, which closes a conversation idle past its limit', async () => {
    const customer = '15555550777';
    const { callbackStatus } = await h.channel.sandbox!.simulateInbound({ from: customer, to: SUPPORT, text: 'hi' });
    expect(callbackStatus).toBe(200);
    const id = `${threadIdOf(SANDBOX_ACCOUNT.customerId, SUPPORT, customer)}.1`;

    const opened = await eventually(
      () => h.api('GET', `/api/conversations/${id}`),
      (r) => r.status === 200,
    );
    expect(opened.body).toMatchObject({ id, state: 'open' });

    const closed = await eventually(
      () => h.api('GET', `/api/conversations/${id}`),
      (r) => r.body?.state === 'closed',
    );
    expect(closed.body).toMatchObject({ id, state: 'closed', closeReason: 'auto_close_idle' });
    expect(Date.parse(closed.body.closedAt) - Date.parse(opened.body.lastActivityAt)).toBeGreaterThanOrEqual(
      IDLE_DAYS * 24 * 3600 * 1000,
    );
    expect(h.logs.some((line) => line.includes('[autoClose]') && line.includes('auto-close run finished'))).toBe(true);
  });
});
