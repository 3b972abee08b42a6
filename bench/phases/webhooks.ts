import { randomBytes } from 'node:crypto';

import { startChannel } from '../../local/channel';
import { BRIDGE_OFF, localDefaults } from '../../local/localSettings';
import { type ReceivedDelivery, startWebhookReceiver } from '../../local/webhookReceiver';
import { callbackPoster, inboundSms, referenceOf } from '../callbacks';
import { benchChannelOptions } from '../context';
import { type Figures, latencyFigures, timedThreads } from '../measure';
import type { Progress } from '../progress';
import { waitUntil } from '../waitUntil';

export interface WebhooksOptions {
  /** Threads at once (one customer each), SMS per thread (each after the previous one's delivery was answered). */
  threads: number;
  messages: number;
  progress?: Progress;
}

export interface WebhookFigures {
  threads: number;
  messages: number;
  /** Every delivery the endpoint answered during the measured part (the warm-up thread's left out). */
  deliveries: number;
  /** Those deliveries by event type. */
  byType: Record<string, number>;
  /** Deliveries answered per second, from the first SMS POSTed to the last delivery answered. */
  perSecond: number;
  /** The headline: a `message.received` event committed (its payload's `timestamp`) until the endpoint answered. */
  received: Figures;
  /** The same for every delivery, whatever its type. */
  all: Figures;
  /** A signed inbound SMS POSTed to the callback until the endpoint answered its `message.received` delivery. */
  smsToAnswered: Figures;
}

interface Answered {
  type: string;
  threadId: string;
  text?: string;
  /** Date.now() when the receiver answered − Date.parse(payload.timestamp): both this process's clock. */
  latencyMs: number;
  /** performance.now() when the receiver answered. */
  at: number;
}

/** A delivery's payload as docs/webhooks.md gives it: `{ type, timestamp, data }`, every `data` with a `threadId`. */
function answeredOf(delivery: ReceivedDelivery, answeredAt: number, at: number): Answered {
  const payload = delivery.payload as { timestamp?: unknown; data?: { threadId?: unknown; text?: unknown } };
  const committed = typeof payload.timestamp === 'string' ? Date.parse(payload.timestamp) : NaN;
  if (!Number.isFinite(committed)) throw new Error(`webhook delivery ${delivery.id} has no timestamp`);
  return {
    type: delivery.type,
    threadId: String(payload.data?.threadId ?? ''),
    text: typeof payload.data?.text === 'string' ? payload.data.text : undefined,
    latencyMs: answeredAt - committed,
    at,
  };
}

/**
 * The outbound webhooks end to end, on a channel of its own with one endpoint subscribed to every event (a
 * receiver in this process that verifies each delivery as a consumer would, and answers 204 at once): a change
 * committed until the endpoint answered its delivery. Many threads at once, each SMS after the previous one's
 * `message.received` was answered, so that a thread does not queue behind itself.
 */
export async function webhooksPhase(options: WebhooksOptions): Promise<WebhookFigures> {
  const { threads: THREADS, messages: MESSAGES, progress } = options;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const answered: Answered[] = [];
  const receiver = await startWebhookReceiver({
    port: 0,
    secrets: [secret],
    answer: (delivery) => {
      answered.push(answeredOf(delivery, Date.now(), performance.now()));
      return 204;
    },
  });
  try {
    const channel = await startChannel(
      benchChannelOptions({
        ...localDefaults,
        LOCAL_SECRETS: JSON.stringify({ ...JSON.parse(localDefaults.LOCAL_SECRETS!), 'wh-bench': secret }),
        WEBHOOK_ENDPOINTS: JSON.stringify([
          { name: 'bench', url: receiver.url, secretName: 'wh-bench', events: ['*'] },
        ]),
        // The bridge is measured in its own phase.
        DYNAMICS_MESSAGING_URL: BRIDGE_OFF,
      }),
    );
    try {
      const post = callbackPoster(channel.http.url);
      // Thread `THREADS` is the warm-up one. Fictional 555-3xxx numbers: no sandbox test number (555-01xx).
      const customerOf = (thread: number) => `1555555${String(3000 + thread).padStart(4, '0')}`;
      const smsText = (thread: number, m: number) => `webhook customer ${thread + 1} message ${m + 1}`;

      /** Posts the SMS; resolves with performance.now() when the endpoint answered its message.received. */
      const smsAnswered = async (thread: number, m: number) => {
        const text = smsText(thread, m);
        await post(inboundSms(customerOf(thread), text, referenceOf('E1', thread * 1000 + m)));
        let found: Answered | undefined;
        await waitUntil(
          () => (found = answered.find((a) => a.type === 'message.received' && a.text === text)) !== undefined,
          { what: `webhooks, "${text}" answered by the endpoint`, timeoutMs: 30_000, everyMs: 1 },
        );
        return found!.at;
      };

      // Warm the path on a thread of its own: connections, tables, the topic, the first delivery.
      await smsAnswered(THREADS, 0);
      const warmThread = answered.find((a) => a.type === 'message.received')!.threadId;

      const started = performance.now();
      const smsToAnswered = await timedThreads(THREADS, MESSAGES, smsAnswered, progress);

      // Every thread's conversation.started too, then nothing left to deliver: the count is the phase's.
      const threadIds = new Set(
        answered.filter((a) => a.type === 'message.received' && a.threadId !== warmThread).map((a) => a.threadId),
      );
      if (threadIds.size !== THREADS) throw new Error(`webhooks: ${threadIds.size} threads delivered, not ${THREADS}`);
      await waitUntil(
        () =>
          [...threadIds].every((id) => answered.some((a) => a.type === 'conversation.started' && a.threadId === id)),
        { what: 'webhooks, every conversation.started answered', timeoutMs: 30_000, everyMs: 5 },
      );
      const idle = () => {
        const { queues, topics } = channel.broker!.entities();
        return queues.every((q) => q.active === 0) && topics.every((t) => t.subscriptions.every((s) => s.active === 0));
      };
      await waitUntil(idle, { what: 'webhooks, nothing left to deliver', timeoutMs: 30_000, everyMs: 5 });

      const measured = answered.filter((a) => a.threadId !== warmThread);
      const ended = Math.max(...measured.map((a) => a.at));
      const perSecond = measured.length / ((ended - started) / 1000);
      const byType: Record<string, number> = {};
      for (const a of measured) byType[a.type] = (byType[a.type] ?? 0) + 1;
      const received = measured.filter((a) => a.type === 'message.received');
      return {
        threads: THREADS,
        messages: MESSAGES,
        deliveries: measured.length,
        byType,
        perSecond,
        received: latencyFigures(
          received.map((a) => a.latencyMs),
          received.length / ((ended - started) / 1000),
        ),
        all: latencyFigures(
          measured.map((a) => a.latencyMs),
          perSecond,
        ),
        smsToAnswered,
      };
    } finally {
      await channel.stop();
    }
  } finally {
    await receiver.close();
  }
}
