/**
 * `GET /api/health` answers anonymously, so it says only which dependency is down, never why: no host names,
 * no error text. Results are shared for a few seconds, so a flood of probes costs the dependencies nothing.
 */
export type CheckName = 'storage' | 'queue' | 'secrets';
export type CheckStatus = 'ok' | 'unavailable';

export interface Health {
  status: 'ok' | 'degraded';
  checks: Record<CheckName, CheckStatus>;
  /**
   * With webhooks configured: how many endpoints, and how many answered 410 and get nothing until their setting
   * changes (docs/webhooks.md). Counts only: an endpoint's name defaults to its host. A disabled endpoint does not
   * make the channel degraded: the channel itself works, and a load balancer must not take it out of rotation.
   */
  webhooks?: { endpoints: number; disabled: number };
}

export type Probes = Record<CheckName, () => Promise<void>>;

export interface HealthOptions {
  /** A probe slower than this counts as unavailable. */
  timeoutMs?: number;
  /** How long one answer is reused. */
  cacheMs?: number;
  details?: HealthDetails;
  now?: () => number;
}

async function run(probe: () => Promise<void>, timeoutMs: number): Promise<CheckStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckStatus>((resolve) => (timer = setTimeout(() => resolve('unavailable'), timeoutMs)));
  try {
    return await Promise.race([
      probe().then(
        (): CheckStatus => 'ok',
        (): CheckStatus => 'unavailable',
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What health reports beyond the checks; a failure leaves it out rather than failing the answer. */
export type HealthDetails = () => Promise<Pick<Health, 'webhooks'>>;

export async function checkHealth(probes: Probes, timeoutMs: number, details?: HealthDetails): Promise<Health> {
  const names = Object.keys(probes) as CheckName[];
  const [results, extra] = await Promise.all([
    Promise.all(names.map((name) => run(probes[name], timeoutMs))),
    details ? details().catch(() => ({})) : {},
  ]);
  const checks = Object.fromEntries(names.map((name, i) => [name, results[i]])) as Health['checks'];
  return { status: results.every((r) => r === 'ok') ? 'ok' : 'degraded', checks, ...extra };
}

export function createHealthCheck(probes: Probes, options: HealthOptions = {}): () => Promise<Health> {
  const { timeoutMs = 5000, cacheMs = 5000, now = Date.now, details } = options;
  let last: { at: number; answer: Promise<Health> } | undefined;
  return () => {
    if (!last || now() - last.at >= cacheMs) last = { at: now(), answer: checkHealth(probes, timeoutMs, details) };
    return last.answer;
  };
}
