import { type Channel, type ChannelOptions, startChannel } from '../../local/channel';
import { type DeadLetter, type DeadLetterSource, listDeadLetters } from '../../local/deadLetters';
import { channelDeadLetterSources } from '../../local/deadLetterSources';
import { localDefaults } from '../../local/localSettings';
import { capturingLogger } from './capturingLogger';
import { registerSecret } from './logAudit';

/**
 * The embedded channel in this process on free ports, as `npm start` runs it. Test files that use it must
 * first `jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true })`.
 */
export interface ChannelHarness {
  channel: Channel;
  logs: string[];
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startChannelHarness(overrides: Partial<ChannelOptions> = {}): Promise<ChannelHarness> {
  const logs: string[] = [];
  const channel = await startChannel({
    logger: capturingLogger(logs),
    ports: { http: 0, sandbox: 0, broker: 0, tables: 0, dynamics: 0 },
    reportDelaysMs: [20, 40],
    callbackRetryDelaysMs: [50, 100],
    telesignClient: { timeoutMs: 1000, retryDelayMs: 20, maxRetryAfterMs: 50 },
    maxConcurrentSessions: 4,
    // Tests stop at once unless they are about the drain (tests/integration/stopRestart.test.ts).
    drainMs: 0,
    // The router's own retry, shorter than in Azure: stopping waits for a handler that is retrying.
    routeRetry: { budgetMs: 5_000, baseDelayMs: 100, maxDelayMs: 1_000 },
    ...overrides,
    env: { ...localDefaults, ...overrides.env },
  });
  // What this channel made up is as secret as the fixtures' keys (tests/support/logAudit.ts).
  registerSecret(channel.functionKey);
  const clientSecret = channel.dynamicsSandbox?.clientSecret();
  if (clientSecret) registerSecret(clientSecret);
  return {
    channel,
    logs,
    async api(method, path, body, headers = {}) {
      const response = await fetch(`${channel.http.url}${path}`, {
        method,
        headers: {
          'x-functions-key': channel.functionKey,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    stop: async () => void (await channel.stop()),
  };
}

/** What each of the channel's dead-letter sources holds, in `channelDeadLetterSources` order. */
export async function deadLettersOf(
  channel: Channel,
): Promise<Array<{ source: DeadLetterSource; dead: DeadLetter[] }>> {
  const found = [];
  for (const source of channelDeadLetterSources(channel.env))
    found.push({ source, dead: await listDeadLetters(channel.serviceBusClient, source) });
  return found;
}

export { eventually } from './eventually';
