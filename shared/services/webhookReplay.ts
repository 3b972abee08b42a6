import { randomBytes } from 'node:crypto';

import { replayMessageId } from '../domain/webhookDelivery';
import type { Logger } from '../log';
import type { FailedDelivery, WebhookFailures } from '../ports/webhookStore';
import type { WebhookDeliveryQueue } from '../queue/webhookDeliveryQueue';
import type { WebhookEndpoint } from '../webhooks/endpointSettings';

export interface ReplayResult {
  replayed: FailedDelivery[];
  /** Event ids asked for that no endpoint chosen holds as failed. */
  notFound: string[];
}

/**
 * Sends failed deliveries again (docs/webhooks.md §Replay), each with its own webhook-id and body, behind whatever
 * its conversation has waiting for the endpoint, and removes it from the failed ones once it is queued; if it
 * fails again it is kept again. The message id is new each time: the queue drops a repeated id for an hour.
 */
export async function replayFailedDeliveries(
  selection: { endpoints: readonly WebhookEndpoint[]; eventIds?: readonly string[] },
  deps: { failures: WebhookFailures; queue: WebhookDeliveryQueue; now: () => Date },
  logger: Logger,
): Promise<ReplayResult> {
  const wanted = selection.eventIds && new Set(selection.eventIds);
  const replayed: FailedDelivery[] = [];
  for (const endpoint of selection.endpoints) {
    const failed = (await deps.failures.list(endpoint.name, 10_000)).filter(
      (f) => !wanted || wanted.has(f.delivery.eventId),
    );
    for (const f of failed) {
      const { delivery } = f;
      await deps.queue.send(
        [
          {
            messageId: replayMessageId(delivery, randomBytes(6).toString('hex')),
            message: { kind: 'replay', attempt: 0, delivery },
          },
        ],
        deps.now(),
      );
      await deps.failures.remove(delivery.endpoint, delivery.eventId);
      replayed.push(f);
    }
  }
  const found = new Set(replayed.map((f) => f.delivery.eventId));
  const notFound = [...(wanted ?? [])].filter((id) => !found.has(id));
  if (replayed.length) logger.info('failed webhook deliveries replayed', { deliveries: replayed.length });
  return { replayed, notFound };
}
