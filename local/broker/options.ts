/** A queue the broker serves. Entities are declared up front, as in a real namespace. */
export interface BrokerQueueOptions {
  name: string;
  requiresSession: boolean;
  /** Deliveries before a message is dead-lettered with reason MaxDeliveryCountExceeded. Default 10. */
  maxDeliveryCount?: number;
  /** Default 30000. */
  lockDurationMs?: number;
  /** How long a message id is remembered to drop a resend. Default 10 minutes. */
  duplicateDetectionWindowMs?: number;
}

/** A subscription is a queue fed by its topic: the same settings, except duplicate detection (the topic's). */
export type BrokerSubscriptionOptions = Omit<BrokerQueueOptions, 'duplicateDetectionWindowMs'>;

/** A topic copies every message it accepts to each of its subscriptions. */
export interface BrokerTopicOptions {
  name: string;
  subscriptions: BrokerSubscriptionOptions[];
  /** Applies to the topic, before the copies are made. Default 10 minutes. */
  duplicateDetectionWindowMs?: number;
}

export interface BrokerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  queues?: BrokerQueueOptions[];
  topics?: BrokerTopicOptions[];
  /**
   * How long an accept-next-session attach waits for a session with messages before it fails with
   * com.microsoft:timeout (capped by the client's own timeout). Default 1000.
   */
  nextSessionWaitMs?: number;
}

/** A store of messages that receivers attach to: a queue, or a topic's subscription. */
export interface QueueSettings {
  /** The path receivers attach to: `<queue>` or `<topic>/Subscriptions/<subscription>`. */
  readonly name: string;
  readonly requiresSession: boolean;
  readonly maxDeliveryCount: number;
  readonly lockDurationMs: number;
}

/** Where senders attach: a queue or a topic. */
export interface EntranceSettings {
  readonly name: string;
  readonly requiresSession: boolean;
  readonly duplicateDetectionWindowMs: number;
}

export interface TopicSettings {
  readonly entrance: EntranceSettings;
  readonly subscriptions: readonly QueueSettings[];
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_NEXT_SESSION_WAIT_MS = 1000;
const DEFAULT_DUPLICATE_WINDOW_MS = 10 * 60_000;

export function queueSettings(options: BrokerQueueOptions): { queue: QueueSettings; entrance: EntranceSettings } {
  const queue = storeSettings(entityName(options.name, 'queue'), options);
  return { queue, entrance: entranceSettings(queue.name, queue.requiresSession, options.duplicateDetectionWindowMs) };
}

export function topicSettings(options: BrokerTopicOptions): TopicSettings {
  const name = entityName(options.name, 'topic');
  const seen = new Set<string>();
  const subscriptions = (options.subscriptions ?? []).map((sub) => {
    const subName = entityName(sub.name, 'subscription');
    if (seen.has(subName.toLowerCase())) throw new Error(`subscription '${subName}' of '${name}' is declared twice`);
    seen.add(subName.toLowerCase());
    return storeSettings(`${name}/Subscriptions/${subName}`, sub);
  });
  // A message without a session id could not reach a session subscription, so the topic refuses it, as a queue would.
  const requiresSession = subscriptions.some((s) => s.requiresSession);
  return {
    entrance: entranceSettings(name, requiresSession, options.duplicateDetectionWindowMs),
    subscriptions,
  };
}

function storeSettings(name: string, options: BrokerSubscriptionOptions): QueueSettings {
  return {
    name,
    requiresSession: options.requiresSession,
    maxDeliveryCount: positive(options.maxDeliveryCount, 10, 'maxDeliveryCount'),
    lockDurationMs: positive(options.lockDurationMs, 30_000, 'lockDurationMs'),
  };
}

function entranceSettings(name: string, requiresSession: boolean, windowMs: number | undefined): EntranceSettings {
  return {
    name,
    requiresSession,
    duplicateDetectionWindowMs: positive(windowMs, DEFAULT_DUPLICATE_WINDOW_MS, 'duplicateDetectionWindowMs'),
  };
}

function entityName(name: string, kind: string): string {
  if (!name || name.includes('/')) throw new Error(`invalid ${kind} name '${name}'`);
  return name;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}
