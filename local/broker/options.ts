/** A queue the broker serves. Entities are declared up front, as in a real namespace. */
export interface BrokerQueueOptions {
  name: string;
  requiresSession: boolean;
  /** Deliveries before a message is dead-lettered with reason MaxDeliveryCountExceeded. Default 10. */
  maxDeliveryCount?: number;
  /** Default 30000. */
  lockDurationMs?: number;
  /** Default 10 minutes. */
  duplicateDetectionWindowMs?: number;
}

export interface BrokerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  queues: BrokerQueueOptions[];
  /**
   * How long an accept-next-session attach waits for a session with messages before it fails with
   * com.microsoft:timeout (capped by the client's own timeout). Default 1000.
   */
  nextSessionWaitMs?: number;
}

export interface QueueSettings {
  readonly name: string;
  readonly requiresSession: boolean;
  readonly maxDeliveryCount: number;
  readonly lockDurationMs: number;
  readonly duplicateDetectionWindowMs: number;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_NEXT_SESSION_WAIT_MS = 1000;

export function queueSettings(options: BrokerQueueOptions): QueueSettings {
  if (!options.name || options.name.includes('/')) {
    throw new Error(`invalid queue name '${options.name}'`);
  }
  return {
    name: options.name,
    requiresSession: options.requiresSession,
    maxDeliveryCount: positive(options.maxDeliveryCount, 10, 'maxDeliveryCount'),
    lockDurationMs: positive(options.lockDurationMs, 30_000, 'lockDurationMs'),
    duplicateDetectionWindowMs: positive(options.duplicateDetectionWindowMs, 10 * 60_000, 'duplicateDetectionWindowMs'),
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}
