/**
 * What a failed Telesign call tells its caller. `kind` decides what to do next; `outcomeUnknown` says whether the
 * message may have gone out anyway (then it must not be sent again: Telesign has no idempotency key).
 */
export type TelesignErrorKind =
  /** Telesign refused the request (400, 403, 404, other 4xx). Sending it again would be refused again. */
  | 'rejected'
  /** 401 (customer id, key, signature or clock), or a key that is not standard base64 and so cannot sign. */
  | 'unauthorized'
  /** 429 still after the retries. */
  | 'rate_limited'
  /** 503 still after the retries, or no connection could be made: nothing reached Telesign. */
  | 'unavailable'
  /** 500 and other 5xx, a redirect, or a 2xx without a usable body. */
  | 'failed'
  /** No answer in time, or the connection broke after the request was written: the outcome is unknown. */
  | 'timeout';

export interface TelesignErrorDetail {
  code: number | string;
  description: string;
}

export interface TelesignErrorInit {
  httpStatus?: number;
  telesignCode?: number;
  errors?: TelesignErrorDetail[];
  outcomeUnknown?: boolean;
  /** How many HTTP attempts were made (0 when nothing was sent). */
  attempts?: number;
  cause?: unknown;
}

export class TelesignError extends Error {
  readonly httpStatus?: number;
  readonly telesignCode?: number;
  readonly errors: TelesignErrorDetail[];
  readonly outcomeUnknown: boolean;
  readonly attempts: number;

  constructor(
    readonly kind: TelesignErrorKind,
    message: string,
    init: TelesignErrorInit = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'TelesignError';
    this.httpStatus = init.httpStatus;
    this.telesignCode = init.telesignCode;
    this.errors = init.errors ?? [];
    this.outcomeUnknown = init.outcomeUnknown ?? false;
    this.attempts = init.attempts ?? 0;
  }
}

export function isTelesignError(e: unknown): e is TelesignError {
  return e instanceof TelesignError;
}

/**
 * What a Telesign JSON body says, read leniently: proxies answer HTML or nothing, and shapes vary
 * (docs/telesign-protocol.md §Messaging API).
 */
export interface TelesignBodyInfo {
  json: unknown;
  referenceId?: string;
  status?: { code: number; description: string; updatedOn?: string };
  errors: TelesignErrorDetail[];
}

export function readTelesignBody(text: string): TelesignBodyInfo {
  let json: unknown;
  try {
    json = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  const info: TelesignBodyInfo = { json, errors: [] };
  if (!isRecord(json)) return info;
  if (typeof json.reference_id === 'string' && json.reference_id.trim() !== '') info.referenceId = json.reference_id;
  const status = json.status;
  if (isRecord(status)) {
    const code = toCode(status.code);
    if (typeof code === 'number') {
      info.status = { code, description: typeof status.description === 'string' ? status.description : '' };
      if (typeof status.updated_on === 'string') info.status.updatedOn = status.updated_on;
    }
  }
  if (Array.isArray(json.errors)) {
    for (const e of json.errors) {
      if (!isRecord(e)) continue;
      const code = toCode(e.code);
      if (code === undefined) continue;
      info.errors.push({ code, description: typeof e.description === 'string' ? e.description : '' });
    }
  }
  return info;
}

/** Codes are numbers in every example, but a numeric string is kept as a number and anything else as given. */
function toCode(value: unknown): number | string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
