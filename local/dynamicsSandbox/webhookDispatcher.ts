/**
 * Delivers agent-side activities to the webhook as Dynamics does (docs/dynamics-protocol.md §5): POST
 * `{base}/v3/conversations/{id}/activities` with a sandbox-signed bearer token, 3 attempts in all, each with its
 * own timeout, retried on a timeout, a network error or any answer but 200, then dropped. The real backoff is
 * not documented: it is configurable. Deliveries of one conversation go one at a time, in order, so that
 * disorder only comes from the out-of-order switch (which holds one back and lets the next overtake it).
 */
import { type Lifecycle, SandboxStoppedError } from '../sandboxRuntime/lifecycle';
import type { ResolvedWebhook } from './defaults';
import { FaultSwitches } from './faultSwitches';
import { newGuid } from './ids';
import type { Logger } from './log';
import type { Random } from './random';
import type { WebhookAttempt, WebhookDelivery, WebhookFaults } from './types';
import type { Activity } from './webhookPayloads';
import { postActivity } from './webhookPost';

export interface DispatcherDeps {
  lifecycle: Lifecycle;
  logger: Logger;
  random: Random;
  /** Read at every attempt: settings may change between attempts. */
  settings(): ResolvedWebhook;
  baseUrlFor(channelId: string): string | undefined;
  /** A freshly signed token for the channel's app. */
  tokenFor(channelId: string): Promise<string>;
}

interface Delivery extends WebhookDelivery {
  channelId: string;
}

interface Queue {
  items: Delivery[];
  running: boolean;
  held?: { delivery: Delivery; cancel: () => void };
}

export class WebhookDispatcher {
  private deliveries: Delivery[] = [];
  private attemptLog: WebhookAttempt[] = [];
  private queues = new Map<string, Queue>();
  private idleWaiters: Array<() => void> = [];
  private readonly switches: FaultSwitches;

  constructor(private readonly deps: DispatcherDeps) {
    this.switches = new FaultSwitches(deps.random);
  }

  /** Queues one activity; returns its delivery id. */
  send(conversationId: string, channelId: string, activity: Activity): string {
    const delivery = this.newDelivery(conversationId, channelId, activity);
    const queue = this.queueOf(conversationId);
    if (queue.held) {
      const { delivery: held, cancel } = queue.held;
      queue.held = undefined;
      cancel();
      held.state = 'queued';
      queue.items.push(delivery, held);
    } else if (this.switches.take('outOfOrder')) {
      delivery.heldBack = true;
      delivery.state = 'held';
      const cancel = this.deps.lifecycle.after(this.deps.settings().holdMs, () => this.release(queue));
      queue.held = { delivery, cancel };
    } else {
      queue.items.push(delivery);
    }
    this.pump(queue);
    return delivery.deliveryId;
  }

  setFaults(faults: WebhookFaults): void {
    this.switches.set(faults);
  }

  faults(): WebhookFaults {
    return this.switches.view();
  }

  /** Copies, without the sandbox's own bookkeeping. */
  list(): WebhookDelivery[] {
    return this.deliveries.map(({ channelId: _channelId, ...d }) => structuredClone(d));
  }

  attempts(): WebhookAttempt[] {
    return this.attemptLog.map((a) => ({ ...a }));
  }

  /** Resolves once nothing is queued, held or being sent. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  reset(): void {
    for (const queue of this.queues.values()) {
      queue.held?.cancel();
      queue.held = undefined;
      queue.items.length = 0;
    }
    this.queues = new Map();
    this.deliveries = [];
    this.attemptLog = [];
    this.switches.set({});
    this.checkIdle();
  }

  /** After lifecycle.stop(): wakes whoever waits for idle. */
  stopped(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }

  private newDelivery(conversationId: string, channelId: string, activity: Activity, duplicateOf?: string): Delivery {
    const delivery: Delivery = {
      deliveryId: newGuid(),
      conversationId,
      channelId,
      activity: structuredClone(activity),
      ...(duplicateOf !== undefined && { duplicateOf }),
      heldBack: false,
      state: 'queued',
      enqueuedAt: new Date().toISOString(),
      attempts: [],
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  private queueOf(conversationId: string): Queue {
    let queue = this.queues.get(conversationId);
    if (!queue) {
      queue = { items: [], running: false };
      this.queues.set(conversationId, queue);
    }
    return queue;
  }

  /** No next activity came in time: the held one goes anyway, late, rather than never. */
  private release(queue: Queue): void {
    if (!queue.held) return;
    const { delivery } = queue.held;
    queue.held = undefined;
    delivery.state = 'queued';
    queue.items.push(delivery);
    this.pump(queue);
  }

  private pump(queue: Queue): void {
    if (queue.running || queue.items.length === 0) return this.checkIdle();
    queue.running = true;
    void (async () => {
      try {
        while (queue.items.length > 0) {
          const delivery = queue.items.shift()!;
          const delivered = await this.deliver(delivery);
          // A second copy right after the first, as a slow 200 followed by Dynamics' retry would give.
          const current = this.deliveries.includes(delivery); // not forgotten by a reset meanwhile
          if (delivered && current && delivery.duplicateOf === undefined && this.switches.take('duplicate')) {
            const copy = this.newDelivery(
              delivery.conversationId,
              delivery.channelId,
              delivery.activity,
              delivery.deliveryId,
            );
            queue.items.unshift(copy);
          }
        }
      } catch (error) {
        if (!(error instanceof SandboxStoppedError)) {
          this.deps.logger.error('dynamics sandbox: webhook dispatcher failed', {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      } finally {
        queue.running = false;
        this.checkIdle();
      }
    })();
  }

  private async deliver(delivery: Delivery): Promise<boolean> {
    delivery.state = 'sending';
    const body = Buffer.from(JSON.stringify(delivery.activity), 'utf8');
    const label = {
      deliveryId: delivery.deliveryId,
      conversationId: delivery.conversationId,
      type: delivery.activity.type,
      name: delivery.activity.name,
    };
    const maxAttempts = 3;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const settings = this.deps.settings();
      if (attempt > 1) await this.deps.lifecycle.sleep(settings.retryDelaysMs[attempt - 2]);
      const base = this.deps.baseUrlFor(delivery.channelId);
      const url = base ? `${base}/v3/conversations/${encodeURIComponent(delivery.conversationId)}/activities` : '';
      const startedAt = Date.now();
      if (!base) {
        this.record(delivery, { attempt, url, startedAt, status: 0, outcome: 'no_url', authorization: false });
        this.deps.logger.warn('dynamics sandbox: webhook dropped, no webhook URL', label);
        delivery.state = 'dropped';
        return false;
      }
      const withAuth = !this.switches.take('missingAuth');
      const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
      if (withAuth) headers.Authorization = `Bearer ${await this.deps.tokenFor(delivery.channelId)}`;
      const result = await postActivity(url, headers, body, settings.timeoutMs, this.deps.lifecycle.signal);
      if (this.deps.lifecycle.stopped) throw this.deps.lifecycle.stoppedError();
      const ok =
        result.outcome === 'answered' &&
        (result.status === 200 || (settings.acceptAny2xx && result.status >= 200 && result.status < 300));
      const outcome = ok ? 'ok' : result.outcome === 'answered' ? 'http_error' : result.outcome;
      this.record(delivery, { attempt, url, startedAt, status: result.status, outcome, authorization: withAuth });
      this.deps.logger.info('dynamics sandbox: webhook attempt', { ...label, attempt, status: result.status, outcome });
      if (ok) {
        delivery.state = 'delivered';
        return true;
      }
    }
    this.deps.logger.warn('dynamics sandbox: webhook given up after 3 attempts', label);
    delivery.state = 'dropped';
    return false;
  }

  private record(
    delivery: Delivery,
    a: Pick<WebhookAttempt, 'attempt' | 'url' | 'status' | 'outcome' | 'authorization'> & { startedAt: number },
  ): void {
    const attempt: WebhookAttempt = {
      deliveryId: delivery.deliveryId,
      conversationId: delivery.conversationId,
      attempt: a.attempt,
      url: a.url,
      startedAt: new Date(a.startedAt).toISOString(),
      durationMs: Date.now() - a.startedAt,
      status: a.status,
      outcome: a.outcome,
      authorization: a.authorization,
      activityType: String(delivery.activity.type),
      ...(typeof delivery.activity.name === 'string' && { activityName: delivery.activity.name }),
    };
    delivery.attempts.push(attempt);
    this.attemptLog.push(attempt);
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    for (const queue of this.queues.values()) if (queue.running || queue.held || queue.items.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
