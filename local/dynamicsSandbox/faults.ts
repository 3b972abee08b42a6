/**
 * Faults of the consumer API (docs/dynamics-protocol.md §3.6: 429 with Retry-After, 500, 503): a queue for the next
 * calls, and a rate for a share of all calls, so a load test can make a third of them fail. Played before auth
 * and before any change, as a gateway in front of the service would: a faulted call has no effect.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { z } from 'zod';

import type { Lifecycle } from '../sandboxRuntime/lifecycle';
import { type Problem, sendProblem } from './problem';
import type { Random } from './random';
import type { ConsumerFault, FaultRate, Operation } from './types';

const operation = z.enum(['create', 'activity', 'list', 'messages', 'context']);
const status = z.union([z.literal(429), z.literal(500), z.literal(503)]);

export const consumerFaultSchema = z
  .object({
    status: status.optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    latencyMs: z.number().int().nonnegative().optional(),
    hang: z.literal(true).optional(),
    dropConnection: z.literal(true).optional(),
    count: z.number().int().positive().optional(),
    operation: operation.optional(),
  })
  .strict()
  .refine((f) => [f.status !== undefined, f.hang, f.dropConnection].filter(Boolean).length <= 1, {
    message: 'a fault is one of status, hang or dropConnection',
  })
  .refine((f) => f.status !== undefined || f.hang || f.dropConnection || f.latencyMs !== undefined, {
    message: 'a fault needs status, hang, dropConnection or latencyMs',
  });

export const faultRateSchema = z
  .object({
    rate: z.number().min(0).max(1),
    statuses: z.array(status).min(1),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    latencyMs: z.number().int().nonnegative().optional(),
    operations: z.array(operation).min(1).optional(),
  })
  .strict();

interface Queued {
  fault: ConsumerFault;
  remaining: number;
}

export class ConsumerFaults {
  private queue: Queued[] = [];
  private rate: FaultRate | null = null;

  constructor(private readonly random: Random) {}

  /** Throws on an invalid fault, so a test hears of a typo at once. */
  push(faults: ConsumerFault[]): void {
    for (const fault of faults) {
      const parsed = consumerFaultSchema.parse(fault);
      this.queue.push({ fault: parsed, remaining: parsed.count ?? 1 });
    }
  }

  setRate(rate: FaultRate | null): void {
    this.rate = rate === null ? null : faultRateSchema.parse(rate);
  }

  /** The fault this call gets, if any: the first queued one for its route, else a roll of the rate. */
  take(op: Operation): ConsumerFault | undefined {
    const index = this.queue.findIndex((q) => q.fault.operation === undefined || q.fault.operation === op);
    if (index !== -1) {
      const queued = this.queue[index];
      if (--queued.remaining === 0) this.queue.splice(index, 1);
      return queued.fault;
    }
    const rate = this.rate;
    if (!rate || (rate.operations && !rate.operations.includes(op))) return undefined;
    if (this.random() >= rate.rate) return undefined;
    const picked = rate.statuses[Math.floor(this.random() * rate.statuses.length)];
    return {
      status: picked,
      ...(picked !== 500 && { retryAfterSeconds: rate.retryAfterSeconds ?? 1 }),
      ...(rate.latencyMs !== undefined && { latencyMs: rate.latencyMs }),
    };
  }

  state(): { queued: ConsumerFault[]; rate: FaultRate | null } {
    return { queued: this.queue.map((q) => ({ ...q.fault, count: q.remaining })), rate: this.rate };
  }

  clear(): void {
    this.queue = [];
    this.rate = null;
  }
}

export function describeFault(fault: ConsumerFault): string {
  if (fault.hang) return 'hang';
  if (fault.dropConnection) return 'dropConnection';
  return fault.status !== undefined ? String(fault.status) : `latency ${fault.latencyMs}ms`;
}

const FAULT_PROBLEMS: Record<429 | 500 | 503, Omit<Problem, 'headers'>> = {
  429: { status: 429, title: 'Too Many Requests', detail: 'Too many requests. Retry after the Retry-After interval.' },
  500: {
    status: 500,
    title: 'Internal Server Error',
    detail: 'The omnichannel service failed to process the request.',
  },
  503: { status: 503, title: 'Service Unavailable', detail: 'The service is temporarily unavailable.' },
};

/**
 * Waits the fault's latency, then answers it. Returns false when the call should go on normally (latency
 * alone). `hang` leaves the request open until stop() closes every connection.
 */
export async function playFault(
  fault: ConsumerFault,
  req: IncomingMessage,
  res: ServerResponse,
  lifecycle: Lifecycle,
  instance: string,
): Promise<boolean> {
  if (fault.latencyMs) await lifecycle.sleep(fault.latencyMs);
  if (fault.hang) return true;
  if (fault.dropConnection) {
    req.socket.destroy();
    return true;
  }
  if (fault.status === undefined) return false;
  const headers: Record<string, string> = {};
  // A 429 always says when to come back (§3.6); a 503 only when the fault says so.
  const retryAfter = fault.retryAfterSeconds ?? (fault.status === 429 ? 1 : undefined);
  if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
  sendProblem(res, { ...FAULT_PROBLEMS[fault.status], headers }, instance);
  return true;
}
