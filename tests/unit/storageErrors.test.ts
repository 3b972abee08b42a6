import { isAppError, isDeadLetterError } from '../../shared/errors';
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
    ['something else entirely', {}],
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
