import type { WebhookDelivery } from '../domain/webhookDelivery';

/**
 * What the webhook deliveries keep in Table Storage (docs/webhooks.md): the holds that keep a conversation's
 * order for an endpoint while one of its events is retried, the deliveries given up on, and the endpoints that
 * answered 410. Every write that changes a hold is conditional on the version read, so a redelivered message that
 * acts on an old view changes nothing.
 */

/** The attempt a hold waits for, as a message on the deliveries queue; kept so a redelivery can send it again. */
export interface AwaitedAttempt {
  messageId: string;
  /** Attempts made on the head before this one. */
  attempt: number;
  /** When it is due (ISO 8601): now, or the retry schedule's next time. */
  dueAt: string;
}

export interface HoldState {
  /** The delivery being attempted; later ones of the same endpoint and thread are parked behind it. */
  head: WebhookDelivery;
  awaiting: AwaitedAttempt;
  /** The message whose handling wrote this state: if it is redelivered, it sends `awaiting` again. */
  writtenBy: string;
  /** The last attempt's outcome, for the operator (`503`, `timeout`…); absent before the first retry. */
  lastOutcome?: string;
}

export interface Hold extends HoldState {
  version: string;
}

export interface ParkedDelivery {
  /** Its place in line; the store orders by it. */
  seq: number;
  delivery: WebhookDelivery;
}

export type ParkResult = 'parked' | 'duplicate' | 'conflict';

export interface WebhookHolds {
  get(endpoint: string, threadId: string): Promise<Hold | undefined>;
  /** False when a hold exists already. */
  open(endpoint: string, threadId: string, state: HoldState): Promise<boolean>;
  /** False when the hold changed since it was read. */
  update(endpoint: string, threadId: string, version: string, state: HoldState): Promise<boolean>;
  /** `duplicate`: this event is parked already (a redelivered message). */
  park(endpoint: string, threadId: string, hold: Hold, delivery: WebhookDelivery): Promise<ParkResult>;
  /** The first delivery in line, if any. */
  firstParked(endpoint: string, threadId: string): Promise<ParkedDelivery | undefined>;
  /** The parked delivery leaves the line and the hold takes `state` (its head), in one batch. */
  promote(
    endpoint: string,
    threadId: string,
    version: string,
    parked: ParkedDelivery,
    state: HoldState,
  ): Promise<boolean>;
  /** Removes the hold, which has nothing parked; false when it changed since it was read. */
  release(endpoint: string, threadId: string, version: string): Promise<boolean>;
  /** Holds, of any endpoint, whose awaited attempt was due before `before`; at most `limit`. */
  overdue(before: Date, limit: number): Promise<Hold[]>;
  /** How many holds an endpoint has open, up to `max` (health). */
  countHolds(endpoint: string, max: number): Promise<number>;
}

export interface FailedDelivery {
  delivery: WebhookDelivery;
  attempts: number;
  /** Machine-readable: `retries_exhausted`, `refused_by_endpoint`, `endpoint_gone`, `address_refused`… */
  reason: string;
  /** A sentence for the operator; never the URL or the endpoint's answer body. */
  description: string;
  failedAt: string;
}

export interface WebhookFailures {
  /** Keeping the same event for the same endpoint again replaces it. */
  keep(failed: FailedDelivery): Promise<void>;
  /** Oldest first, at most `limit`. */
  list(endpoint: string, limit: number): Promise<FailedDelivery[]>;
  /** Removing one that is not there is fine. */
  remove(endpoint: string, eventId: string): Promise<void>;
}

export interface DisabledEndpoint {
  endpoint: string;
  /** The setting it was disabled under (shared/domain/webhookDelivery.ts endpointFingerprint). */
  fingerprint: string;
  disabledAt: string;
  /** The event whose delivery was answered 410. */
  eventId: string;
}

export interface WebhookEndpointStates {
  disabled(): Promise<DisabledEndpoint[]>;
  disable(state: DisabledEndpoint): Promise<void>;
}
