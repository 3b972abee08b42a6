import { checkHealth, createHealthCheck } from '../../shared/services/health';

const ok = async () => undefined;
const down = async () => {
  throw new Error('connect ECONNREFUSED 10.0.0.4:5671');
};
const never = () => new Promise<void>(() => undefined);

describe('health', () => {
  it('is ok when every probe answers', async () => {
    expect(await checkHealth({ storage: ok, queue: ok, secrets: ok }, 100)).toEqual({
      status: 'ok',
      checks: { storage: 'ok', queue: 'ok', secrets: 'ok' },
    });
  });

  it('names what failed or did not answer in time, and carries no error text', async () => {
    const result = await checkHealth({ storage: ok, queue: down, secrets: never }, 20);
    expect(result).toEqual({
      status: 'degraded',
      checks: { storage: 'ok', queue: 'unavailable', secrets: 'unavailable' },
    });
  });

  it('shares one answer for a while, so a flood of probes reaches the dependencies once', async () => {
    let calls = 0;
    let now = 0;
    const counted = async () => void calls++;
    const check = createHealthCheck({ storage: counted, queue: ok, secrets: ok }, { cacheMs: 1000, now: () => now });
    await Promise.all([check(), check(), check()]);
    now = 999;
    await check();
    expect(calls).toBe(1);
    now = 1000;
    await check();
    expect(calls).toBe(2);
  });
});
