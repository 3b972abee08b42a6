/** Public shapes of the sandbox. Others code against these names: keep them stable. */
import type { Logger } from '../../shared/log';

export interface SandboxAccount {
  customerId: string;
  /** Standard base64 (`+` and `/`), exactly as Telesign's portal shows it. */
  apiKey: string;
}

export interface SandboxOptions {
  /** 0 = a free port (default). */
  port?: number;
  /** Default 127.0.0.1: the control API has no auth, so it must stay local. */
  host?: string;
  accounts: SandboxAccount[];
  /** Where delivery reports and inbound SMS are POSTed; settable later with setCallbackUrl. */
  callbackUrl?: string;
  /** Delay before the first report (203) and between it and the final one. Default [20, 40]. */
  reportDelaysMs?: [number, number];
  /** Accepted skew of the request's Date header. Default 15 minutes. */
  dateToleranceMs?: number;
  /** Delays before the 2nd and 3rd callback tries (3 in all). Default [10_000, 30_000] as Telesign (§Retries). */
  callbackRetryDelaysMs?: [number, number];
  /** Default: silent. Lines never carry keys, signatures or full phone numbers. */
  logger?: Logger;
}

export interface SentReport {
  code: number;
  description: string;
  deliveredToCallback: boolean;
}

export interface SentMessage {
  referenceId: string;
  customerId: string;
  phoneNumber: string;
  message: string;
  messageType: string;
  senderId?: string;
  externalId?: string;
  receivedAt: string;
  reports: SentReport[];
}

export type Fault = { status: 429 | 500 | 503; retryAfterSeconds?: number } | { hang: true } | { dropConnection: true };

export interface InboundInput {
  /** The customer's number (user_response.phone_number). */
  from: string;
  /** Our number that received it (user_response.sender_id); may be empty, as Telesign sometimes sends. */
  to: string;
  text: string;
  /** Which account receives it; default the first account. */
  customerId?: string;
}

export interface InboundResult {
  referenceId: string;
  /** HTTP status of the FIRST try (0 = no answer); retries, if any, continue in the background. */
  callbackStatus: number;
}
