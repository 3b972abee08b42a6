import { AppError } from '../errors';

/** Azurite's single-entity errors carry `statusCode` but no `code`, so decisions branch on the status. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** 412: someone else changed the row since we read it. 409: someone else created it first. */
export const isConflict = (error: unknown) => statusOf(error) === 412 || statusOf(error) === 409;
export const isNotFound = (error: unknown) => statusOf(error) === 404;

export function storageUnavailable(error: unknown): AppError {
  return new AppError(
    'storage_unavailable',
    'Table Storage could not be reached; retry later.',
    { statusCode: statusOf(error) },
    { cause: error },
  );
}
