/**
 * Faults for Telesign's routes: one-shot ones queued for the next `POST /v1/messaging` requests, one per request, in
 * order; and a switch that, while on, gives its fault to every `/v1/` request (after any queued one), until off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendJson, sendText } from '../sandboxRuntime/httpServer';
import { statusBody } from './telesignBodies';
import type { Fault } from './types';

export class FaultQueue {
  private readonly queue: Fault[] = [];

  push(faults: Fault[]): void {
    this.queue.push(...faults);
  }

  next(): Fault | undefined {
    return this.queue.shift();
  }
}

/** The persistent fault: null when off. A copy goes in and out, so a caller cannot change it behind our back. */
export class FaultSwitch {
  private fault: Fault | null = null;

  set(fault: Fault | null): void {
    this.fault = fault === null ? null : { ...fault };
  }

  current(): Fault | null {
    return this.fault === null ? null : { ...this.fault };
  }
}

export function describeFault(fault: Fault): string {
  if ('hang' in fault) return 'hang';
  if ('dropConnection' in fault) return 'dropConnection';
  return String(fault.status);
}

/** Plays a fault instead of answering. `hang` leaves the request open until stop() closes every connection. */
export function playFault(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
  if ('hang' in fault) return;
  if ('dropConnection' in fault) {
    req.socket.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
  if (fault.status === 429) {
    sendJson(
      res,
      429,
      statusBody(undefined, 10019, 'Rate limit exceeded.', [{ code: 10019, description: 'Rate limit exceeded.' }]),
      headers,
    );
  } else if (fault.status === 500) {
    sendJson(
      res,
      500,
      statusBody(undefined, 10000, 'Transaction not attempted.', [
        { code: 10000, description: 'Transaction not attempted.' },
      ]),
      headers,
    );
  } else {
    // What a load balancer in front of Telesign answers: not JSON, which clients must cope with
    // (docs/telesign-protocol.md §Messaging API).
    sendText(res, 503, '<html><body><h1>503 Service Unavailable</h1></body></html>', 'text/html', headers);
  }
}
