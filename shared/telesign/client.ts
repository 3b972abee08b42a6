/**
 * Telesign REST client: `POST /v1/messaging`, `GET /v1/messaging/{reference_id}` and a credential probe
 * (docs/telesign-protocol.md §Messaging API, §Request signing, §Credential check), over Node's global fetch.
 * Every attempt is signed afresh (new Date and nonce).
 *
 * Repeats (retryPolicy.ts): 429 and 503 answers, and connection failures before anything was written. A POST that
 * may have reached Telesign (timeout, connection broken after connecting, 502/504 from a gateway) is never sent
 * again: the error says `outcomeUnknown` and the delivery report or a status GET settles it. GET is repeated on
 * timeouts and broken connections too, since reading a status twice is harmless.
 *
 * 401 is not retried here: the key may have been rotated, which only the caller's secret cache can fix
 * (rotatingKeyClient.ts). Neither the API key nor a signature ever appears in an error.
 */
import { randomUUID } from 'node:crypto';

import { normalizeReferenceId } from '../domain/referenceId';
import { ApiKeyFormatError, decodeApiKey } from './apiKey';
import { signRequest } from './requestSigner';
import { backoffMs, classifyFetchFailure, describeFetchFailure, retryAfterMs } from './retryPolicy';
import { readTelesignBody, type TelesignBodyInfo, TelesignError } from './telesignError';

export type { TelesignErrorDetail, TelesignErrorKind } from './telesignError';
export { isTelesignError, TelesignError } from './telesignError';

export interface TelesignClientOptions {
  /** `https://rest-api.telesign.com`, `https://rest-ww.telesign.com`, or the sandbox's URL. */
  baseUrl: string;
  customerId: string;
  /** Read on every call; the caller caches it (and drops the cache on 401, see withKeyRefreshOn401). */
  getApiKey: () => Promise<string>;
  /** Per attempt, until the whole answer is read. Default 10 000. */
  timeoutMs?: number;
  /** Further attempts after the first. Default 2. */
  maxRetries?: number;
  /** Base of the exponential backoff when no Retry-After is given. Default 500. */
  retryDelayMs?: number;
  /** Upper bound on any wait between attempts, Retry-After included. Default 10 000. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
  newNonce?: () => string;
  sleep?: (ms: number) => Promise<void>;
}

export type MessageType = 'ARN' | 'OTP' | 'MKT';

export interface SendSmsRequest {
  /** Country code and digits, no `+` (docs/telesign-protocol.md §Messaging API). */
  phoneNumber: string;
  message: string;
  /** Default ARN: the type for customer-service replies. */
  messageType?: MessageType;
  senderId?: string;
  externalId?: string;
  callbackUrl?: string;
}

export interface TelesignStatus {
  code: number;
  description: string;
  updatedOn?: string;
}

export interface SendSmsResult {
  /** Upper case (normalizeReferenceId), whatever case Telesign used. */
  referenceId: string;
  status: TelesignStatus;
  /** The parsed JSON body, for fields this client does not read. */
  raw: unknown;
}

export interface CredentialCheck {
  valid: boolean;
  reason: string;
}

export interface TelesignClient {
  sendSms(req: SendSmsRequest): Promise<SendSmsResult>;
  getStatus(referenceId: string): Promise<SendSmsResult>;
  /**
   * docs/telesign-protocol.md §Credential check. Throws TelesignError when Telesign cannot be asked (unreachable,
   * 5xx, 429, timeout).
   */
  checkCredentials(): Promise<CredentialCheck>;
}

const FORM = 'application/x-www-form-urlencoded';
const MESSAGING = '/v1/messaging';
// No ping endpoint exists; a status read of a reference that cannot exist is free and still authenticated.
const PROBE_REFERENCE = '00000000000000000000000000000000';
// Beyond this the 401 is most likely the clock, not the key (Telesign's window is unconfirmed:
// docs/telesign-protocol.md §Request signing).
const CLOCK_SKEW_HINT_MS = 5 * 60 * 1000;

interface Call {
  method: 'GET' | 'POST';
  resource: string;
  body?: string;
}

interface Answer {
  status: number;
  headers: Headers;
  body: TelesignBodyInfo;
  attempts: number;
}

type Attempt =
  | { type: 'answer'; status: number; headers: Headers; text: string }
  | { type: 'timeout' }
  | { type: 'network'; error: unknown };

export function createTelesignClient(options: TelesignClientOptions): TelesignClient {
  const baseUrl = checkedBaseUrl(options.baseUrl);
  const customerId = checkedCustomerId(options.customerId);
  const timeoutMs = positive('timeoutMs', options.timeoutMs ?? 10_000);
  const maxRetries = nonNegativeInteger('maxRetries', options.maxRetries ?? 2);
  const retryDelayMs = nonNegative('retryDelayMs', options.retryDelayMs ?? 500);
  const maxWaitMs = nonNegative('maxRetryAfterMs', options.maxRetryAfterMs ?? 10_000);
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? (() => new Date());
  const newNonce = options.newNonce ?? randomUUID;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  /** The key is checked before anything is sent: Node's base64 decoder would otherwise sign with wrong bytes. */
  async function usableKey(): Promise<string> {
    const apiKey = await options.getApiKey();
    try {
      decodeApiKey(apiKey);
    } catch (e) {
      if (!(e instanceof ApiKeyFormatError)) throw e;
      throw new TelesignError(
        'unauthorized',
        `The Telesign API key for customer ${customerId} is not standard base64; nothing was sent.`,
        {
          errors: [{ code: 'api_key_format', description: e.message }],
        },
      );
    }
    return apiKey;
  }

  async function attemptOnce(call: Call, apiKey: string): Promise<Attempt> {
    const { headers } = signRequest({
      method: call.method,
      resource: call.resource,
      contentType: call.method === 'POST' ? FORM : undefined,
      body: call.body,
      customerId,
      apiKey,
      date: now().toUTCString(),
      nonce: newNonce(),
    });
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetchImpl(baseUrl + call.resource, {
          method: call.method,
          headers,
          body: call.body,
          signal: controller.signal,
          // A redirected POST would turn into a GET; Telesign does not redirect, so one is reported, not followed.
          redirect: 'manual',
        });
      } catch (error) {
        return timedOut ? { type: 'timeout' } : { type: 'network', error };
      }
      let text = '';
      try {
        text = await response.text();
      } catch (error) {
        // A 2xx whose body never arrived may have taken the message: as unknown as no answer at all. Any other
        // status already says what happened, and the error is built from it.
        if (response.ok) return timedOut ? { type: 'timeout' } : { type: 'network', error };
      }
      return { type: 'answer', status: response.status, headers: response.headers, text };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs one call with the retry rules; returns the final HTTP answer or throws for no answer at all. */
  async function perform(call: Call, apiKey: string): Promise<Answer> {
    const repeatable = call.method === 'GET';
    for (let attempt = 1; ; attempt++) {
      const result = await attemptOnce(call, apiKey);
      const canRetry = attempt <= maxRetries;
      let waitMs = backoffMs(attempt, retryDelayMs, maxWaitMs);

      if (result.type === 'answer') {
        const retryable = result.status === 429 || result.status === 503;
        if (!retryable || !canRetry) {
          return {
            status: result.status,
            headers: result.headers,
            body: readTelesignBody(result.text),
            attempts: attempt,
          };
        }
        waitMs = retryAfterMs(result.headers.get('retry-after'), now(), maxWaitMs) ?? waitMs;
      } else if (result.type === 'timeout') {
        if (!repeatable || !canRetry) {
          throw new TelesignError(
            'timeout',
            `Telesign did not answer ${call.method} ${call.resource} within ${timeoutMs} ms`,
            {
              outcomeUnknown: !repeatable,
              attempts: attempt,
            },
          );
        }
      } else {
        const failure = classifyFetchFailure(result.error);
        const reason = describeFetchFailure(result.error);
        if (failure === 'maybe_sent' && !repeatable) {
          throw new TelesignError(
            'timeout',
            `The connection to Telesign broke after the request was sent (${reason}); it may have been received`,
            {
              outcomeUnknown: true,
              attempts: attempt,
              cause: result.error,
            },
          );
        }
        if (failure === 'not_sent_permanent' || !canRetry) {
          throw new TelesignError('unavailable', `Could not reach Telesign at ${baseUrl} (${reason})`, {
            attempts: attempt,
            cause: result.error,
          });
        }
      }
      await sleep(waitMs);
    }
  }

  function toResult(answer: Answer, call: Call, fallbackReference?: string): SendSmsResult {
    if (answer.status < 200 || answer.status > 299) throw httpError(answer, call, customerId);
    const referenceId = answer.body.referenceId ?? fallbackReference;
    const status = answer.body.status;
    if (referenceId === undefined || status === undefined) {
      // Telesign took a POST that answered 2xx, so the message may well be on its way.
      throw new TelesignError('failed', `Telesign answered HTTP ${answer.status} without a reference id and status`, {
        httpStatus: answer.status,
        errors: answer.body.errors,
        outcomeUnknown: call.method === 'POST',
        attempts: answer.attempts,
      });
    }
    return { referenceId: normalizeReferenceId(referenceId), status: { ...status }, raw: answer.body.json };
  }

  return {
    async sendSms(req) {
      const form = new URLSearchParams();
      form.set('phone_number', req.phoneNumber);
      form.set('message', req.message);
      form.set('message_type', req.messageType ?? 'ARN');
      // Only fields given: a blank sender_id or callback_url would be refused by Telesign rather than ignored.
      if (req.senderId) form.set('sender_id', req.senderId);
      if (req.externalId) form.set('external_id', req.externalId);
      if (req.callbackUrl) form.set('callback_url', req.callbackUrl);
      const call: Call = { method: 'POST', resource: MESSAGING, body: form.toString() };
      const apiKey = await usableKey();
      return toResult(await perform(call, apiKey), call);
    },

    async getStatus(referenceId) {
      const trimmed = referenceId.trim();
      if (trimmed === '') throw new TypeError('referenceId must not be empty');
      const call: Call = { method: 'GET', resource: `${MESSAGING}/${encodeURIComponent(trimmed)}` };
      const apiKey = await usableKey();
      return toResult(await perform(call, apiKey), call, trimmed);
    },

    async checkCredentials() {
      let apiKey: string;
      try {
        apiKey = await usableKey();
      } catch (e) {
        if (e instanceof TelesignError) return { valid: false, reason: e.message };
        throw e;
      }
      const call: Call = { method: 'GET', resource: `${MESSAGING}/${PROBE_REFERENCE}` };
      const answer = await perform(call, apiKey);
      if (answer.status === 401) return { valid: false, reason: unauthorizedReason(answer, customerId, now()) };
      // 429 and 5xx say nothing about the credentials: whoever asked must learn that Telesign could not tell.
      if (answer.status === 429 || answer.status >= 500) throw httpError(answer, call, customerId);
      return {
        valid: true,
        reason: `Telesign accepted the signature of customer ${customerId} (HTTP ${answer.status} for the probe reference)`,
      };
    },
  };
}

function httpError(answer: Answer, call: Call, customerId: string): TelesignError {
  const { status, body } = answer;
  const telesignCode = body.status?.code ?? firstNumericCode(body);
  const init = { httpStatus: status, telesignCode, errors: body.errors, attempts: answer.attempts };
  const said = telesignSays(body);
  const what = `${call.method} ${call.resource}`;
  if (status === 401) {
    return new TelesignError(
      'unauthorized',
      `Telesign refused the credentials of customer ${customerId} (HTTP 401${said})`,
      init,
    );
  }
  if (status === 429) return new TelesignError('rate_limited', `Telesign rate-limited ${what} (HTTP 429${said})`, init);
  if (status === 503) return new TelesignError('unavailable', `Telesign is unavailable (HTTP 503${said})`, init);
  if (status >= 500) {
    // 500 is Telesign's "transaction not attempted"; a gateway's 502/504 may have passed the POST on before failing.
    const outcomeUnknown = call.method === 'POST' && (status === 502 || status === 504);
    return new TelesignError('failed', `Telesign failed ${what} (HTTP ${status}${said})`, { ...init, outcomeUnknown });
  }
  if (status >= 300 && status < 400) {
    return new TelesignError(
      'failed',
      `Telesign answered ${what} with a redirect (HTTP ${status}); check the base URL`,
      init,
    );
  }
  return new TelesignError('rejected', `Telesign rejected ${what} (HTTP ${status}${said})`, init);
}

function unauthorizedReason(answer: Answer, customerId: string, now: Date): string {
  const said = telesignSays(answer.body);
  const serverDate = Date.parse(answer.headers.get('date') ?? '');
  const skewMs = Number.isNaN(serverDate) ? 0 : now.getTime() - serverDate;
  const clock =
    Math.abs(skewMs) > CLOCK_SKEW_HINT_MS
      ? `this host's clock is ${Math.round(skewMs / 1000)} s off Telesign's, which alone makes signatures fail`
      : "check the customer id and API key (a rotated key?), and this host's clock";
  return `Telesign refused customer ${customerId} (HTTP 401${said}): the customer id, API key or signature is wrong; ${clock}`;
}

/** `: 11000 Invalid value…` from the body, or nothing when the body is not Telesign's (a proxy's page). */
function telesignSays(body: TelesignBodyInfo): string {
  const detail = body.errors[0] ?? body.status;
  if (!detail) return body.json === undefined ? ', no Telesign body' : '';
  const description = detail.description ? ` ${detail.description}` : '';
  return `: ${detail.code}${description}`;
}

function firstNumericCode(body: TelesignBodyInfo): number | undefined {
  const found = body.errors.find((e) => typeof e.code === 'number');
  return found ? (found.code as number) : undefined;
}

function checkedBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('Telesign baseUrl is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('Telesign baseUrl must be http(s)');
  return url.origin + url.pathname.replace(/\/+$/, '');
}

function checkedCustomerId(value: string): string {
  const id = value.trim();
  // It goes into `TSA <id>:<sig>`: a colon or space would change what Telesign reads.
  if (id === '' || /[:\s]/.test(id))
    throw new TypeError('Telesign customerId must be non-empty, without colons or spaces');
  return id;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number`);
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return value;
}
