import { randomBytes } from 'node:crypto';

import {
  attemptMessageId,
  type DeliveryMessage,
  parseDeliveryMessage,
  type WebhookDelivery,
} from '../domain/webhookDelivery';
import { nextAttemptDelayMs } from '../domain/webhookRetry';
import { isAppError } from '../errors';
import type { Logger } from '../log';
import type { Hold, HoldState, WebhookFailures, WebhookHolds } from '../ports/webhookStore';
import type { QueuedDelivery, WebhookDeliveryQueue } from '../queue/webhookDeliveryQueue';
import type { SecretProvider } from '../secrets';
import type { DeliveryAttempt, DeliveryResult } from '../webhooks/deliveryClient';
import { outcomeOf } from '../webhooks/deliveryClient';
import type { WebhookEndpoint } from '../webhooks/endpointSettings';
import { signingSecretsOf, WebhookSecretError } from '../webhooks/signature';
import type { EndpointGate } from './webhookEndpointGate';

/**
 * One message of the webhook deliveries queue: one attempt, never a wait (docs/webhooks.md §Order). A session is
 * one endpoint and one thread, so this handler sees that pair's messages one at a time and in order. While a
 * delivery is being retried, a hold in Table Storage keeps it at the head and parks every later delivery of the
 * pair behind it; the retry is a scheduled message into the same session. Once the head is settled (delivered, or
 * given up on and kept as failed), the first parked delivery becomes the head and is attempted at once, by a
 * message of its own, so each message still costs one attempt. A redelivered message acts on what the hold says
 * now: a retry that is no longer awaited is skipped, and the message that wrote the hold sends again the attempt
 * it scheduled, in case that send was lost. A consumer deduplicating on `webhook-id` sees each event once.
 */

export interface WebhookDeliveryDeps {
  endpoints: readonly WebhookEndpoint[];
  timeoutMs: number;
  holds: WebhookHolds;
  failures: WebhookFailures;
  gate: EndpointGate;
  queue: WebhookDeliveryQueue;
  secrets: SecretProvider;
  /** One attempt (shared/webhooks/deliveryClient.ts deliverOnce, with the address policy of the place it runs). */
  attempt: (attempt: DeliveryAttempt) => Promise<DeliveryResult>;
  now: () => Date;
  random: () => number;
  /** Default WEBHOOK_RETRY_SCHEDULE_MS. */
  retryScheduleMs?: readonly number[];
}

/** A hold whose attempt is this far past its time lost it: the sweep sends it again. */
export const OVERDUE_MS = 10 * 60_000;

export class HoldChangedError extends Error {
  constructor() {
    super('The webhook hold changed while this delivery was handled; Service Bus redelivers it.');
    this.name = 'HoldChangedError';
  }
}

/** The id of an attempt a hold schedules, fresh each time (shared/domain/webhookDelivery.ts). */
export const newAttemptMessageId = (d: WebhookDelivery, attempt: number) =>
  attemptMessageId(d, attempt, randomBytes(6).toString('hex'));

export const awaitedMessage = (hold: HoldState, now: Date): QueuedDelivery => ({
  messageId: hold.awaiting.messageId,
  message: { kind: 'attempt', attempt: hold.awaiting.attempt, delivery: hold.head },
  dueAt: new Date(Math.max(Date.parse(hold.awaiting.dueAt), now.getTime())),
});

const isSecretProblem = (error: unknown): error is Error =>
  error instanceof WebhookSecretError ||
  (isAppError(error) && (error.code === 'secret_not_found' || error.code === 'secrets_unavailable'));

/** The attempt's answer in a word for logs and reasons: the status, or what stood in for one. */
const answerOf = (result: DeliveryResult | { kind: 'unsigned' }): string =>
  result.kind === 'answered' ? String(result.status) : result.kind === 'unsigned' ? 'secret' : result.kind;

type Settlement = { kept?: { reason: string; description: string } };

export async function handleWebhookDelivery(
  body: unknown,
  messageId: string,
  deps: WebhookDeliveryDeps,
  logger: Logger,
): Promise<void> {
  const message: DeliveryMessage = parseDeliveryMessage(body);
  const { delivery } = message;
  const ids = { endpoint: delivery.endpoint, eventId: delivery.eventId, type: delivery.type };
  const hold = await deps.holds.get(delivery.endpoint, delivery.threadId);

  if (hold && hold.writtenBy === messageId) {
    // This message wrote the hold and was redelivered: the attempt it scheduled may not have reached the queue.
    await deps.queue.send([awaitedMessage(hold, deps.now())], deps.now());
    return;
  }
  if (message.kind === 'attempt') {
    // Matched by event and attempt number, not by message id, so that a copy sent again (by the sweep, or a dead
    // letter replayed) still counts. Two copies cannot both act: the session hands them over one at a time,
    // and every outcome of the first changes the hold (another attempt number, another head, or no hold).
    if (!hold || hold.head.eventId !== delivery.eventId || hold.awaiting.attempt !== message.attempt) {
      logger.info('webhook attempt no longer awaited; skipped', { ...ids, attempt: message.attempt + 1 });
      return;
    }
    await attemptHead(hold.head, message.attempt, hold);
    return;
  }
  if (hold) {
    if (hold.head.eventId === delivery.eventId) {
      logger.info('webhook delivery is already being retried; this copy is dropped', ids);
      return;
    }
    const parked = await deps.holds.park(delivery.endpoint, delivery.threadId, hold, delivery);
    if (parked === 'conflict') throw new HoldChangedError();
    logger.info('webhook delivery waits behind a retried one of the same conversation', {
      ...ids,
      waitsFor: hold.head.eventId,
      duplicate: parked === 'duplicate' || undefined,
    });
    return;
  }
  await attemptHead(delivery, 0, undefined);

  async function attemptHead(head: WebhookDelivery, attemptsMade: number, current: Hold | undefined) {
    const attempts = attemptsMade + 1;
    const where = { endpoint: head.endpoint, eventId: head.eventId, type: head.type, attempt: attempts };
    // Names are unique regardless of case (the setting's rule), so renaming "CRM" to "crm" keeps its deliveries.
    const endpoint = deps.endpoints.find((e) => e.name.toLowerCase() === head.endpoint.toLowerCase());
    if (!endpoint) {
      logger.warn('webhook delivery kept as failed: its endpoint is no longer configured', where);
      return settle(current, head, attempts, {
        kept: {
          reason: 'endpoint_removed',
          description: `Endpoint "${head.endpoint}" is no longer in WEBHOOK_ENDPOINTS; add it back, then replay.`,
        },
      });
    }
    if (await deps.gate.isDisabled(endpoint)) {
      logger.info(
        'webhook delivery not made: the endpoint answered 410 and is disabled until its setting changes',
        where,
      );
      return settle(current, head, attempts, {});
    }

    let result: DeliveryResult | { kind: 'unsigned'; reason: string };
    try {
      const secrets = signingSecretsOf(await deps.secrets.get(endpoint.secretName));
      result = await deps.attempt({ endpoint, id: head.eventId, body: head.body, secrets, timeoutMs: deps.timeoutMs });
    } catch (error) {
      // The signing secret is missing, malformed or unreadable: that is the operator's to fix, or Key Vault's to
      // come back, and the retry schedule waits for it rather than Service Bus dead-lettering the delivery.
      if (!isSecretProblem(error)) throw error;
      result = { kind: 'unsigned', reason: error.message.slice(0, 300) };
    }
    const outcome = result.kind === 'unsigned' ? 'retry' : outcomeOf(result);
    const detail = answerOf(result);
    const took = 'durationMs' in result ? result.durationMs : undefined;
    const attemptLog = {
      endpoint: head.endpoint,
      eventId: head.eventId,
      type: head.type,
      attempt: attempts,
      outcome,
      answer: detail,
      durationMs: took,
      ...(outcome === 'delivered' ? { latencyMs: deps.now().getTime() - Date.parse(head.committedAt) } : {}),
      ...('reason' in result ? { reason: result.reason } : {}),
    };
    if (outcome === 'delivered') logger.info('webhook delivery attempt', { ...attemptLog });
    else logger.warn('webhook delivery attempt', { ...attemptLog });

    switch (outcome) {
      case 'delivered':
        return settle(current, head, attempts, {});
      case 'disable':
        await deps.gate.disable(endpoint, head.eventId);
        logger.error('webhook endpoint answered 410: disabled until its url or secretName changes', {
          endpoint: endpoint.name,
        });
        return settle(current, head, attempts, {
          kept: {
            reason: 'endpoint_gone',
            description: `Endpoint "${endpoint.name}" answered 410 Gone and was disabled.`,
          },
        });
      case 'failed':
        return settle(current, head, attempts, {
          kept: {
            reason: 'refused_by_endpoint',
            description: `Endpoint "${endpoint.name}" answered ${detail}, which no retry changes.`,
          },
        });
      case 'refused':
        return settle(current, head, attempts, {
          kept: { reason: 'address_refused', description: (result as { reason: string }).reason },
        });
      case 'retry': {
        const delay = nextAttemptDelayMs(attempts, deps.random, deps.retryScheduleMs);
        if (delay === undefined) {
          return settle(current, head, attempts, {
            kept: {
              reason: 'retries_exhausted',
              description: `Endpoint "${endpoint.name}" did not take it in ${attempts} attempts; the last answer was ${detail}.`,
            },
          });
        }
        const state: HoldState = {
          head,
          awaiting: {
            messageId: newAttemptMessageId(head, attempts),
            attempt: attempts,
            dueAt: new Date(deps.now().getTime() + delay).toISOString(),
          },
          writtenBy: messageId,
          lastOutcome: detail,
        };
        const written = current
          ? await deps.holds.update(head.endpoint, head.threadId, current.version, state)
          : await deps.holds.open(head.endpoint, head.threadId, state);
        if (!written) throw new HoldChangedError();
        await deps.queue.send([awaitedMessage(state, deps.now())], deps.now());
        return;
      }
    }
  }

  /** The head is done with: kept as failed if it failed, and the first delivery parked behind it goes next. */
  async function settle(current: Hold | undefined, head: WebhookDelivery, attempts: number, how: Settlement) {
    if (how.kept) {
      await deps.failures.keep({
        delivery: head,
        attempts,
        ...how.kept,
        failedAt: deps.now().toISOString(),
      });
      logger.error('webhook delivery failed; kept for npm run sms -- webhooks failed|replay', {
        endpoint: head.endpoint,
        eventId: head.eventId,
        type: head.type,
        attempts,
        reason: how.kept.reason,
      });
    }
    if (!current) return;
    const next = await deps.holds.firstParked(head.endpoint, head.threadId);
    if (!next) {
      if (!(await deps.holds.release(head.endpoint, head.threadId, current.version))) throw new HoldChangedError();
      return;
    }
    const state: HoldState = {
      head: next.delivery,
      awaiting: { messageId: newAttemptMessageId(next.delivery, 0), attempt: 0, dueAt: deps.now().toISOString() },
      writtenBy: messageId,
    };
    if (!(await deps.holds.promote(head.endpoint, head.threadId, current.version, next, state)))
      throw new HoldChangedError();
    await deps.queue.send([awaitedMessage(state, deps.now())], deps.now());
  }
}
