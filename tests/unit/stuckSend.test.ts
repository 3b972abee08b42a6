import { readFileSync } from 'node:fs';
import path from 'node:path';

import {
  isStuckSend,
  longestSendMs,
  settleStuck,
  STUCK_SEND_AFTER_MS,
  STUCK_SEND_REASON,
  TELESIGN_CLIENT_DEFAULTS,
  wasSettledStuck,
} from '../../shared/domain/stuckSend';
import type { MessageRecord } from '../../shared/domain/thread';
import { createTelesignClient } from '../../shared/telesign/client';
import { TelesignError } from '../../shared/telesign/telesignError';

/** The bound after which a `queued` message counts as stuck (failure 7 of issue 12), and what it is derived from. */

const queuedAt = '2026-03-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(queuedAt) + ms);
const queued: MessageRecord = {
  conversation: 1,
  m: 1,
  direction: 'outbound',
  text: 'hello',
  segments: 1,
  encoding: 'GSM-7',
  createdAt: queuedAt,
  status: 'queued',
  timeline: [{ status: 'queued', at: queuedAt }],
};

describe('the stuck-send bound', () => {
  it('is the longest a send can talk to Telesign, twice over, and longer than the host lets an invocation run', () => {
    // 2 × (key read 10 s + 3 attempts × 10 s + 2 pauses × 10 s): a 401 re-reads the key and sends once more.
    expect(longestSendMs()).toBe(120_000);
    expect(STUCK_SEND_AFTER_MS).toBeGreaterThanOrEqual(2 * longestSendMs());
    const host = JSON.parse(readFileSync(path.join(__dirname, '../../host.json'), 'utf8')) as {
      functionTimeout: string;
    };
    const [hh, mm, ss] = host.functionTimeout.split(':').map(Number);
    expect(STUCK_SEND_AFTER_MS).toBeGreaterThan(((hh * 60 + mm) * 60 + ss) * 1000);
  });

  it('follows the client options it is derived from', () => {
    expect(longestSendMs({ timeoutMs: 1_000, maxRetries: 0, maxRetryAfterMs: 0 }, 0)).toBe(2_000);
    expect(longestSendMs({ timeoutMs: 1_000, maxRetries: 1, maxRetryAfterMs: 500 }, 100)).toBe(2 * (100 + 2_000 + 500));
  });

  describe("matches the Telesign client's defaults", () => {
    const KEY = Buffer.from('unit key').toString('base64');
    afterEach(() => jest.useRealTimers());

    it(`a POST Telesign does not answer times out after ${TELESIGN_CLIENT_DEFAULTS.timeoutMs} ms`, async () => {
      jest.useFakeTimers();
      const client = createTelesignClient({
        baseUrl: 'https://rest-api.telesign.example',
        customerId: 'CUST-1',
        getApiKey: async () => KEY,
        fetch: ((_url: string, init: RequestInit) =>
          new Promise((_, reject) =>
            init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
          )) as typeof fetch,
      });
      let outcome: unknown;
      void client.sendSms({ phoneNumber: '15555550100', message: 'x' }).catch((e: unknown) => (outcome = e));
      await jest.advanceTimersByTimeAsync(TELESIGN_CLIENT_DEFAULTS.timeoutMs - 1);
      expect(outcome).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(outcome).toBeInstanceOf(TelesignError);
      expect(outcome).toMatchObject({ kind: 'timeout', outcomeUnknown: true });
    });

    it('retries as often and pauses at most as long as the defaults say', async () => {
      const pauses: number[] = [];
      let attempts = 0;
      const client = createTelesignClient({
        baseUrl: 'https://rest-api.telesign.example',
        customerId: 'CUST-1',
        getApiKey: async () => KEY,
        fetch: (async () => {
          attempts++;
          return new Response('{}', { status: 503, headers: { 'Retry-After': '3600' } });
        }) as typeof fetch,
        sleep: async (ms) => void pauses.push(ms),
      });
      await expect(client.sendSms({ phoneNumber: '15555550100', message: 'x' })).rejects.toMatchObject({
        kind: 'unavailable',
      });
      expect(attempts).toBe(TELESIGN_CLIENT_DEFAULTS.maxRetries + 1);
      expect(pauses).toEqual(Array(TELESIGN_CLIENT_DEFAULTS.maxRetries).fill(TELESIGN_CLIENT_DEFAULTS.maxRetryAfterMs));
    });
  });
});

describe('isStuckSend', () => {
  it('holds for an outbound message still queued past the bound, and nothing else', () => {
    expect(isStuckSend(queued, at(STUCK_SEND_AFTER_MS))).toBe(false);
    expect(isStuckSend(queued, at(STUCK_SEND_AFTER_MS + 1))).toBe(true);
    expect(isStuckSend(queued, at(1_001), 1_000)).toBe(true);
    const later = at(STUCK_SEND_AFTER_MS + 1);
    expect(isStuckSend({ ...queued, status: 'sent' }, later)).toBe(false);
    expect(isStuckSend({ ...queued, status: 'unknown' }, later)).toBe(false);
    expect(isStuckSend({ ...queued, status: 'failed' }, later)).toBe(false);
    expect(isStuckSend({ ...queued, direction: 'inbound', status: undefined }, later)).toBe(false);
    expect(isStuckSend({ ...queued, createdAt: 'not a time' }, later)).toBe(false);
  });
});

describe('settleStuck', () => {
  it("records the send path's own unknown outcome, with the reason a retry is answered with", () => {
    const settled = settleStuck(queued, at(STUCK_SEND_AFTER_MS + 1));
    expect(settled).toMatchObject({ status: 'unknown', failureReason: STUCK_SEND_REASON });
    expect(settled.timeline).toEqual([
      { status: 'queued', at: queuedAt },
      { status: 'unknown', description: STUCK_SEND_REASON, at: at(STUCK_SEND_AFTER_MS + 1).toISOString() },
    ]);
    expect(wasSettledStuck(settled)).toBe(true);
    expect(wasSettledStuck(queued)).toBe(false);
    const timedOut = { ...queued, status: 'unknown' as const, failureReason: 'Telesign did not answer in time' };
    expect(wasSettledStuck(timedOut)).toBe(false);
  });
});
