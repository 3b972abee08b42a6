import { request } from 'node:http';

import { AppError, isAppError, isDeadLetterError } from '../../shared/errors';
import {
  isPermanentStorageError,
  storageCodeOf,
  storageError,
  StorageRejectedError,
} from '../../shared/storage/storageErrors';

/** Errors shaped as @azure/data-tables throws them (a RestError: statusCode, code, details, message). */
const restError = (fields: { statusCode?: number; code?: string; details?: unknown; message?: string }) =>
  Object.assign(new Error(fields.message ?? ''), { name: 'RestError', ...fields });

const odataBody = (code: string, value: string) =>
  JSON.stringify({ 'odata.error': { code, message: { lang: 'en-US', value } } });

describe('classifying a Table Storage failure', () => {
  it.each([
    [
      'a single-entity 400 (Azurite: code only in details)',
      { statusCode: 400, details: { errorCode: 'InvalidInput' } },
    ],
    ['a batch 400 (code on the error)', { statusCode: 400, code: 'PropertyValueTooLarge' }],
    ['a 400 whose code is only in the OData body', { statusCode: 400, message: odataBody('KeyValueTooLarge', 'x') }],
    ['EntityTooLarge', { statusCode: 400, code: 'EntityTooLarge' }],
    ['OutOfRangeInput', { statusCode: 400, code: 'OutOfRangeInput' }],
    ['413 RequestBodyTooLarge', { statusCode: 413, code: 'RequestBodyTooLarge' }],
    ['a known refusal whose status was lost', { code: 'PropertyValueTooLarge' }],
  ])('%s is permanent: a StorageRejectedError, dead-lettered with its reason', (_what, fields) => {
    const error = restError(fields);
    expect(isPermanentStorageError(error)).toBe(true);
    const mapped = storageError(error, 'park a delivery report');
    expect(mapped).toBeInstanceOf(StorageRejectedError);
    expect(isDeadLetterError(mapped)).toBe(true);
    expect(isAppError(mapped)).toBe(false);
    expect(mapped).toMatchObject({ reason: 'storage_rejected' });
    expect((mapped as StorageRejectedError).description).toMatch(/^Table Storage refused to park a delivery report/);
    expect((mapped as StorageRejectedError).description).not.toMatch(/could not be reached/);
  });

  it.each([
    ['500', { statusCode: 500, code: 'InternalError' }],
    ['503 ServerBusy', { statusCode: 503, code: 'ServerBusy' }],
    ['500 OperationTimedOut', { statusCode: 500, code: 'OperationTimedOut' }],
    ['429', { statusCode: 429 }],
    ['408', { statusCode: 408 }],
    ['403 (a role not yet assigned)', { statusCode: 403, code: 'AuthorizationPermissionMismatch' }],
    ['a refused connection', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }],
    ['a request that never got an answer', { code: 'REQUEST_SEND_ERROR' }],
    ['a dropped connection ("socket hang up")', { code: 'ECONNRESET', message: 'socket hang up' }],
    ['a connection that timed out', { code: 'ETIMEDOUT', message: 'connect ETIMEDOUT 10.0.0.1:443' }],
    ['a broken pipe', { code: 'EPIPE', message: 'write EPIPE' }],
    ['a name that did not resolve', { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND account.table' }],
    ['a name server that did not answer', { code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN account.table' }],
    ['an answer cut off mid-body', { code: 'PARSE_ERROR', message: 'Error reading response as text: aborted' }],
    ['a RestError with neither status nor code (only the transport raises one)', {}],
  ])('%s passes: storage_unavailable, retried', (_what, fields) => {
    const error = restError(fields);
    expect(isPermanentStorageError(error)).toBe(false);
    expect(storageError(error)).toMatchObject({ code: 'storage_unavailable' });
  });

  it('names the status, the code and what the service said, without its request id or time', () => {
    const error = restError({
      statusCode: 400,
      details: { errorCode: 'PropertyValueTooLarge' },
      message: odataBody(
        'PropertyValueTooLarge',
        'The property value exceeds the maximum allowed size (64KB).\nRequestId:1234\nTime:2026-11-27T10:00:00Z',
      ),
    });
    expect(storageCodeOf(error)).toBe('PropertyValueTooLarge');
    const { description } = storageError(error, "write a thread's batch") as StorageRejectedError;
    expect(description).toBe(
      "Table Storage refused to write a thread's batch (400 PropertyValueTooLarge): The property value exceeds the " +
        'maximum allowed size (64KB). The same request would be refused again, so it is not retried.',
    );
  });
});

/** Real errors, raised as the client raises them, before any request is sent. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('a failure in the client, before Table Storage could answer', () => {
  it.each([
    ['a lone surrogate in a key or a filter (URIError)', () => thrown(() => encodeURIComponent('thread-\uD800'))],
    [
      'node:http refusing a header (TypeError with a code)',
      () => thrown(() => request({ host: '127.0.0.1', port: 1, headers: { 'x-ms-tag': 'a\nb' } })),
    ],
    ['a RangeError', () => thrown(() => new Array(-1))],
    ['an entity the SDK cannot serialize (a plain Error)', () => new Error('Unknown EDM type symbol')],
  ])('%s is permanent: a StorageRejectedError naming the error, not an outage', (_what, make) => {
    const error = make();
    expect(isPermanentStorageError(error)).toBe(true);
    const mapped = storageError(error, "read a thread's rows");
    expect(mapped).toBeInstanceOf(StorageRejectedError);
    expect(isDeadLetterError(mapped)).toBe(true);
    expect(isAppError(mapped)).toBe(false);
    expect(mapped).toMatchObject({ reason: 'storage_rejected', statusCode: undefined, storageCode: undefined });
    const { description } = mapped as StorageRejectedError;
    expect(description).toMatch(/^Could not read a thread's rows: the request failed in the client, not in Table/);
    expect(description).toContain(`(${(error as Error).name}`);
    expect(description).toMatch(/The same request would fail the same way, so it is not retried\.$/);
  });

  it('says what failed, in one capped line, without the value it failed on', () => {
    const error = thrown(() => JSON.parse('customer +15555550123 wrote this'));
    const { description } = storageError(error, 'read the outbox') as StorageRejectedError;
    // Node quotes the start of the input: `Unexpected token 'c', "customer +"... is not valid JSON`.
    expect(description).toMatch(/\(SyntaxError: Unexpected token …, …(\.\.\.)? is not valid JSON\)/);
    expect(description).not.toMatch(/customer|5555550123/);

    const long = storageError(new TypeError(`${'x'.repeat(500)}\nsecond line`)) as StorageRejectedError;
    expect(long.description).toContain(`(TypeError: ${'x'.repeat(120)}). `);
    expect(long.description).not.toContain('second line');
  });

  it("keeps Node's error code", () => {
    const error = thrown(() => request({ host: '127.0.0.1', port: 1, headers: { 'x-ms-tag': 'a\nb' } }));
    const { description } = storageError(error) as StorageRejectedError;
    expect(description).toContain('(TypeError [ERR_INVALID_CHAR]: Invalid character in header content');
    expect(description).not.toContain('x-ms-tag');
  });
});

describe('a failure in the client that passes', () => {
  const systemError = (code: string, message: string) => Object.assign(new Error(message), { code });
  it.each([
    ["the SDK's abort or timeout", Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' })],
    ["a signal's timeout", new DOMException('The operation was aborted due to timeout', 'TimeoutError')],
    ['a system error outside a RestError', systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:10002')],
    ['"socket hang up" without a code', new Error('socket hang up')],
    [
      "fetch's failure, its cause a network error",
      new TypeError('fetch failed', { cause: systemError('ECONNRESET', 'read ECONNRESET') }),
    ],
    ['an undici socket error', systemError('UND_ERR_SOCKET', 'other side closed')],
    [
      'a managed identity not reachable',
      Object.assign(new Error('ManagedIdentityCredential: no response'), { name: 'CredentialUnavailableError' }),
    ],
    ['a token refused', Object.assign(new Error('invalid_client'), { name: 'AuthenticationError', statusCode: 401 })],
    ["the pipeline's token refresh", new Error('Failed to refresh access token.')],
    ['our own AppError', new AppError('storage_unavailable', 'consent kept changing')],
    ['a value that is not an error', 'boom'],
  ])('%s is storage_unavailable, retried', (_what, error) => {
    expect(isPermanentStorageError(error)).toBe(false);
    expect(storageError(error)).toMatchObject({ code: 'storage_unavailable' });
  });

  it('a StorageRejectedError handed back is kept as it is', () => {
    const rejected = storageError(new URIError('URI malformed'), 'record a reference');
    expect(storageError(rejected, 'something else')).toBe(rejected);
  });
});
