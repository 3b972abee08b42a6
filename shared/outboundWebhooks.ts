import type { WebhookConfig } from './config';
import type { ChannelEvent } from './domain/channelEvents';
import type { Logger } from './log';
import type { FailedDelivery, WebhookEndpointStates, WebhookFailures, WebhookHolds } from './ports/webhookStore';
import type { WebhookDeliveryQueue } from './queue/webhookDeliveryQueue';
import type { SecretProvider } from './secrets';
import { handleWebhookDelivery } from './services/webhookDeliveries';
import { createEndpointGate } from './services/webhookEndpointGate';
import { fanOutWebhooks } from './services/webhookFanOut';
import { replayFailedDeliveries, type ReplayResult } from './services/webhookReplay';
import { resendOverdueAttempts } from './services/webhookSweep';
import type { Resolve } from './webhooks/connectionPlan';
import { deliverOnce } from './webhooks/deliveryClient';

/**
 * The outbound webhooks as the entry points and the operator's tools see them (docs/webhooks.md): channel events
 * fanned out per endpoint, one delivery attempt per message, and the deliveries given up on. Built only when
 * WEBHOOK_ENDPOINTS lists an endpoint.
 */
export interface OutboundWebhooks {
  fanOut(event: ChannelEvent, logger: Logger): Promise<number>;
  deliver(body: unknown, messageId: string, logger: Logger): Promise<void>;
  /** Sends again the attempts overdue holds wait for (the timer); how many. */
  resendOverdue(logger: Logger): Promise<number>;
  /** What `GET /api/health` shows: how many endpoints, how many disabled (one table query). */
  health(): Promise<{ endpoints: number; disabled: number }>;
  /** Each configured endpoint, whether it is disabled (410), and how many deliveries it has failed (up to 1,000). */
  status(): Promise<WebhookEndpointStatus[]>;
  failed(endpoint: string | undefined, limit: number): Promise<FailedDelivery[]>;
  replay(selection: { endpoint?: string; eventIds?: readonly string[] }, logger: Logger): Promise<ReplayResult>;
}

export interface WebhookEndpointStatus {
  name: string;
  state: 'enabled' | 'disabled';
  disabledAt?: string;
  failed: number;
  /** Conversations whose deliveries wait behind a retry (up to 1,000). */
  retrying: number;
}

export interface OutboundWebhookDeps {
  holds: WebhookHolds;
  failures: WebhookFailures;
  endpointStates: WebhookEndpointStates;
  queue: WebhookDeliveryQueue;
  secrets: SecretProvider;
  ready: () => Promise<void>;
  now?: () => Date;
  random?: () => number;
  /** The pauses between attempts; the Standard Webhooks schedule unless a test shortens it. */
  retryScheduleMs?: readonly number[];
  /** Stands in for DNS (tests), at the outermost boundary. */
  resolve?: Resolve;
}

const COUNT_CAP = 1000;

export function createOutboundWebhooks(
  config: WebhookConfig | undefined,
  deps: OutboundWebhookDeps,
): OutboundWebhooks | undefined {
  if (!config) return undefined;
  const now = deps.now ?? (() => new Date());
  const gate = createEndpointGate(deps.endpointStates, now);
  const { endpoints } = config;
  const chosen = (name: string | undefined) => {
    if (name === undefined) return endpoints;
    const found = endpoints.filter((e) => e.name.toLowerCase() === name.toLowerCase());
    if (!found.length) {
      throw new Error(
        `No endpoint is named "${name}" in WEBHOOK_ENDPOINTS (${endpoints.map((e) => e.name).join(', ')}).`,
      );
    }
    return found;
  };
  return {
    fanOut: (event, logger) => fanOutWebhooks(event, { endpoints, queue: deps.queue, now }, logger),
    async deliver(body, messageId, logger) {
      await deps.ready();
      await handleWebhookDelivery(
        body,
        messageId,
        {
          endpoints,
          timeoutMs: config.timeoutMs,
          holds: deps.holds,
          failures: deps.failures,
          gate,
          queue: deps.queue,
          secrets: deps.secrets,
          attempt: (attempt) => deliverOnce(attempt, { now, mode: config.mode, resolve: deps.resolve }),
          now,
          random: deps.random ?? Math.random,
          retryScheduleMs: deps.retryScheduleMs,
        },
        logger,
      );
    },
    async resendOverdue(logger) {
      await deps.ready();
      return resendOverdueAttempts({ holds: deps.holds, queue: deps.queue, now }, logger);
    },
    async health() {
      await deps.ready();
      return { endpoints: endpoints.length, disabled: (await gate.disabled(endpoints)).length };
    },
    async status() {
      await deps.ready();
      const disabled = new Map((await gate.disabled(endpoints)).map((d) => [d.endpoint.toLowerCase(), d]));
      return Promise.all(
        endpoints.map(async (e) => {
          const off = disabled.get(e.name.toLowerCase());
          const [failed, retrying] = await Promise.all([
            deps.failures.list(e.name, COUNT_CAP).then((l) => l.length),
            deps.holds.countHolds(e.name, COUNT_CAP),
          ]);
          return {
            name: e.name,
            state: off ? ('disabled' as const) : ('enabled' as const),
            ...(off ? { disabledAt: off.disabledAt } : {}),
            failed,
            retrying,
          };
        }),
      );
    },
    async failed(endpoint, limit) {
      await deps.ready();
      const lists = await Promise.all(chosen(endpoint).map((e) => deps.failures.list(e.name, limit)));
      return lists
        .flat()
        .sort((a, b) => a.failedAt.localeCompare(b.failedAt))
        .slice(0, limit);
    },
    async replay(selection, logger) {
      await deps.ready();
      return replayFailedDeliveries(
        { endpoints: chosen(selection.endpoint), eventIds: selection.eventIds },
        { failures: deps.failures, queue: deps.queue, now },
        logger,
      );
    },
  };
}
