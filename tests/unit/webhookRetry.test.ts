import {
  classifyResponse,
  nextAttemptDelayMs,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_SCHEDULE_MS,
} from '../../shared/domain/webhookRetry';

const middle = () => 0.5;
const lowest = () => 0;
const highest = () => 1;

const s = 1000;
const min = 60 * s;
const h = 60 * min;

describe('webhook retry schedule', () => {
  it('is the Standard Webhooks schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    expect(WEBHOOK_RETRY_SCHEDULE_MS).toEqual([0, 5 * s, 5 * min, 30 * min, 2 * h, 5 * h, 10 * h, 10 * h]);
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(8);
  });

  it('gives each pause as scheduled when the jitter is centred', () => {
    const pauses = Array.from({ length: WEBHOOK_MAX_ATTEMPTS }, (_, made) => nextAttemptDelayMs(made, middle));
    expect(pauses).toEqual([...WEBHOOK_RETRY_SCHEDULE_MS]);
  });

  it('keeps the last attempt about a day after the first', () => {
    const total = WEBHOOK_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total).toBe(27 * h + 35 * min + 5 * s);
  });

  it('makes the first attempt at once, whatever the jitter', () => {
    expect(nextAttemptDelayMs(0, lowest)).toBe(0);
    expect(nextAttemptDelayMs(0, highest)).toBe(0);
  });

  it('spreads each pause by 10 % either way', () => {
    expect(nextAttemptDelayMs(1, lowest)).toBe(4500);
    expect(nextAttemptDelayMs(1, highest)).toBe(5500);
    expect(nextAttemptDelayMs(3, lowest)).toBe(27 * min);
    expect(nextAttemptDelayMs(3, highest)).toBe(33 * min);
    expect(nextAttemptDelayMs(7, lowest)).toBe(9 * h);
    expect(nextAttemptDelayMs(7, highest)).toBe(11 * h);
  });

  it('stays within the bounds for any random value, in whole milliseconds', () => {
    for (let made = 1; made < WEBHOOK_MAX_ATTEMPTS; made++) {
      for (const r of [0, 0.01, 0.123456, 0.5, 0.987654, 0.999999]) {
        const pause = nextAttemptDelayMs(made, () => r)!;
        expect(Number.isInteger(pause)).toBe(true);
        expect(pause).toBeGreaterThanOrEqual(WEBHOOK_RETRY_SCHEDULE_MS[made] * 0.9);
        expect(pause).toBeLessThanOrEqual(WEBHOOK_RETRY_SCHEDULE_MS[made] * 1.1);
      }
    }
  });

  it('gives no further attempt after the eighth', () => {
    expect(nextAttemptDelayMs(8, middle)).toBeUndefined();
    expect(nextAttemptDelayMs(9, middle)).toBeUndefined();
  });

  it('does not draw a random number when there is nothing to jitter', () => {
    const refuse = () => {
      throw new Error('no draw expected');
    };
    expect(nextAttemptDelayMs(8, refuse)).toBeUndefined();
  });

  it.each([-1, 1.5, NaN, Infinity])('refuses %p attempts made', (made) => {
    expect(() => nextAttemptDelayMs(made, middle)).toThrow(RangeError);
  });

  it.each([-0.1, 1.1, NaN])('refuses a random value of %p', (r) => {
    expect(() => nextAttemptDelayMs(2, () => r)).toThrow(RangeError);
  });
});

describe('classifyResponse', () => {
  it.each([200, 201, 202, 204, 299])('counts %i as delivered', (status) => {
    expect(classifyResponse(status)).toBe('delivered');
  });

  it('disables the endpoint on 410 Gone', () => {
    expect(classifyResponse(410)).toBe('disable');
  });

  it.each([408, 429, 500, 502, 503, 504, 599, 600, 999])('retries %i', (status) => {
    expect(classifyResponse(status)).toBe('retry');
  });

  it.each(['timeout', 'network'] as const)('retries on %s', (outcome) => {
    expect(classifyResponse(outcome)).toBe('retry');
  });

  it.each([400, 401, 403, 404, 405, 409, 413, 415, 422, 451, 499])('gives up on %i', (status) => {
    expect(classifyResponse(status)).toBe('failed');
  });

  it.each([300, 301, 302, 303, 307, 308])('gives up on the redirect %i, since redirects are not followed', (status) => {
    expect(classifyResponse(status)).toBe('failed');
  });

  it.each([100, 101, 199])('gives up on the informational %i as a final answer', (status) => {
    expect(classifyResponse(status)).toBe('failed');
  });

  it.each([0, 99, 1000, 200.5, NaN])('refuses %p, which is no HTTP status', (status) => {
    expect(() => classifyResponse(status)).toThrow(RangeError);
  });
});
