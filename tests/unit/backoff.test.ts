import { AppError } from '../../shared/errors';
import { withBackoff } from '../../shared/services/backoff';
import { routeWithRetry } from '../../shared/services/routeRetry';
import { auditedLogger, capturingLogger } from '../support/capturingLogger';

const failing = (times: number, error: unknown) => {
  let calls = 0;
  return async () => {
    calls++;
    if (calls <= times) throw error;
    return calls;
  };
};

describe('withBackoff', () => {
  const options = (slept: number[], budgetMs = 10_000) => ({
    budgetMs,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    sleep: async (ms: number) => void slept.push(ms),
    random: () => 1,
  });

  it('retries a passing failure with doubling pauses, capped, until it succeeds', async () => {
    const slept: number[] = [];
    const result = await withBackoff(
      failing(5, new Error('blip')),
      () => ({}),
      () => undefined,
      options(slept),
    );
    expect(result).toBe(6);
    expect(slept).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('never pauses less than the floor a failure asks for', async () => {
    const slept: number[] = [];
    await withBackoff(
      failing(1, new Error('429')),
      () => ({ floorMs: 3_000 }),
      () => undefined,
      options(slept),
    );
    expect(slept).toEqual([3_000]);
  });

  it('throws at once what is not a passing failure', async () => {
    const slept: number[] = [];
    await expect(
      withBackoff(
        failing(1, new Error('bug')),
        () => undefined,
        () => undefined,
        options(slept),
      ),
    ).rejects.toThrow('bug');
    expect(slept).toEqual([]);
  });

  it('gives the failure back once the budget is spent, saying how many attempts it made', async () => {
    const slept: number[] = [];
    const gaveUp: number[] = [];
    await expect(
      withBackoff(
        failing(99, new Error('down')),
        () => ({}),
        (_e, attempts) => void gaveUp.push(attempts),
        options(slept, 700),
      ),
    ).rejects.toThrow('down');
    expect(slept).toEqual([100, 200, 400]);
    expect(gaveUp).toEqual([4]);
  });
});

describe('routeWithRetry', () => {
  const fast = { sleep: async () => undefined, random: () => 0 };

  it('retries storage or topic unavailable, also among the reactions’ failures, and logs each retry', async () => {
    const lines: string[] = [];
    const unavailable = new AppError('storage_unavailable', 'Table Storage could not be reached; retry later.');
    expect(await routeWithRetry(failing(2, unavailable), capturingLogger(lines), fast)).toBe(3);
    const aggregate = new AggregateError([new Error('x'), new AppError('queue_unavailable', 'topic down')]);
    expect(await routeWithRetry(failing(1, aggregate), auditedLogger, fast)).toBe(2);
    expect(lines.filter((l) => l.includes('retrying inside this delivery'))).toHaveLength(2);
  });

  it('throws a failure that does not pass at once', async () => {
    const refused = new AppError('invalid_request', 'no');
    await expect(routeWithRetry(failing(1, refused), auditedLogger, fast)).rejects.toBe(refused);
  });
});
