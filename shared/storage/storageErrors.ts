import { AppError, DeadLetterError } from '../errors';
import { clientRefusalOf } from './clientFailures';

/** Azurite's single-entity errors carry `statusCode` but no `code`, so decisions branch on the status. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** 412: someone else changed the row since we read it. 409: someone else created it first. */
export const isConflict = (error: unknown) => statusOf(error) === 412 || statusOf(error) === 409;
export const isNotFound = (error: unknown) => statusOf(error) === 404;

/**
 * Table Storage's error code: `RestError.code` (a batch's, or the `x-ms-error-code` header), else the one in
 * `details` or in the OData body (Azurite's single-entity errors).
 */
export function storageCodeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; details?: { errorCode?: unknown }; message?: unknown } | null;
  if (typeof e?.details?.errorCode === 'string') return e.details.errorCode;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.message === 'string' ? /"code"\s*:\s*"([A-Za-z]+)"/.exec(e.message)?.[1] : undefined;
}

/**
 * Codes of a request Table Storage refuses for what it is, not for the moment: the same request is refused again.
 * Most come with 400; the list also covers an answer whose status got lost on the way.
 */
const permanentCodes: ReadonlySet<string> = new Set([
  'InvalidInput',
  'InvalidValueType',
  'OutOfRangeInput',
  'PropertyValueTooLarge',
  'PropertyNameTooLong',
  'PropertyNameInvalid',
  'PropertiesNeedValue',
  'TooManyProperties',
  'KeyValueTooLarge',
  'EntityTooLarge',
  'RequestBodyTooLarge',
  'InvalidDuplicateRow',
  'InvalidXmlDocument',
  'JsonFormatNotSupported',
]);

/** Table Storage's own refusal: 400 (a key or a value too large, a value of the wrong type…), 413, 414. */
function isRefusedByService(error: unknown): boolean {
  const status = statusOf(error);
  if (status === 400 || status === 413 || status === 414) return true;
  const code = storageCodeOf(error);
  return (status === undefined || status < 500) && code !== undefined && permanentCodes.has(code);
}

/**
 * A failure no retry can fix: Table Storage's refusal, or a request the client could not make (a URIError, a
 * TypeError, an entity it cannot serialize: clientFailures.ts). Timeouts, 408, 429, 5xx, 403, network errors and
 * signing in pass (or need an operator) and stay `storage_unavailable`; 409/412/404 are decided by the caller.
 */
export function isPermanentStorageError(error: unknown): boolean {
  return isRefusedByService(error) || clientRefusalOf(error) !== undefined;
}

/**
 * Table Storage refused a request for good, or the client could not make it. A DeadLetterError: the router's
 * event is dead-lettered at once with this reason and what the service (or the client) said
 * (local/sessionConsumer.ts), not retried as an outage; an HTTP caller gets a 500 (our fault, not the client's).
 * A client-side failure has neither status nor storage code.
 */
export class StorageRejectedError extends DeadLetterError {
  constructor(
    readonly statusCode: number | undefined,
    readonly storageCode: string | undefined,
    description: string,
    options?: { cause?: unknown },
  ) {
    super('storage_rejected', description, options);
    this.name = 'StorageRejectedError';
  }
}

/** What the service said, without its request id and time, short: the value itself is never in it. */
function serviceMessage(error: unknown): string {
  let text = error instanceof Error ? error.message : String(error);
  try {
    const odata = (JSON.parse(text) as { 'odata.error'?: { message?: { value?: unknown } } })['odata.error'];
    if (typeof odata?.message?.value === 'string') text = odata.message.value;
  } catch {
    // not an OData body: the message as it is
  }
  const lines = text.split('\n').filter((line) => !/^(RequestId|Time):/.test(line.trim()));
  return lines.join(' ').trim().slice(0, 300).replace(/\.$/, '');
}

export function storageUnavailable(error: unknown): AppError {
  return new AppError(
    'storage_unavailable',
    'Table Storage could not be reached; retry later.',
    { statusCode: statusOf(error) },
    { cause: error },
  );
}

/**
 * Every adapter's catch-all for a storage failure: a permanent refusal is a StorageRejectedError naming the
 * status, the code and what was being done, or the client's error; anything else is `storage_unavailable` (retry
 * later).
 */
export function storageError(error: unknown, what = 'carry out the request'): AppError | StorageRejectedError {
  if (error instanceof StorageRejectedError) return error;
  if (!isRefusedByService(error)) {
    const refusal = clientRefusalOf(error);
    if (refusal === undefined) return storageUnavailable(error);
    return new StorageRejectedError(
      undefined,
      undefined,
      `Could not ${what}: the request failed in the client, not in Table Storage (${refusal}). The same request ` +
        'would fail the same way, so it is not retried.',
      { cause: error },
    );
  }
  const status = statusOf(error);
  const code = storageCodeOf(error);
  const said = serviceMessage(error);
  return new StorageRejectedError(
    status,
    code,
    `Table Storage refused to ${what} (${[status, code].filter((v) => v !== undefined).join(' ') || 'no status'})` +
      `${said ? `: ${said}` : ''}. The same request would be refused again, so it is not retried.`,
    { cause: error },
  );
}
