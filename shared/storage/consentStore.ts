import type { TableClient } from '@azure/data-tables';

import type { ConsentState } from '../domain/consent';
import type { ConsentRecord, ConsentStore } from '../ports/consentStore';
import { consentKey } from './keys';
import { isConflict, isNotFound, storageError, storageUnavailable } from './storageErrors';

/**
 * The consent store on the `consent` table, kept apart from the thread partitions because consent spans
 * threads. The key hashes the lower-cased account and the number (keys.ts).
 */
export function createConsentStore(client: TableClient, maxAttempts = 20): ConsentStore {
  async function read(account: string, customerNumber: string) {
    const { partitionKey, rowKey } = consentKey(account, customerNumber);
    try {
      const row = await client.getEntity<Record<string, unknown>>(partitionKey, rowKey);
      const record: ConsentRecord = {
        state: row.state as ConsentState,
        eventId: String(row.eventId),
        keyword: String(row.keyword),
        at: String(row.at),
      };
      return { record, etag: row.etag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storageError(error, 'read consent');
    }
  }

  return {
    async get(account, customerNumber) {
      return (await read(account, customerNumber))?.record;
    },

    async apply(account, customerNumber, record) {
      const key = consentKey(account, customerNumber);
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const current = await read(account, customerNumber);
        if (current && (current.record.eventId === record.eventId || current.record.at > record.at)) return 'unchanged';
        try {
          const entity = { ...key, ...record };
          if (current) await client.updateEntity(entity, 'Replace', { etag: current.etag });
          else await client.createEntity(entity);
          return 'applied';
        } catch (error) {
          if (!isConflict(error)) throw storageError(error, 'record consent');
        }
      }
      throw storageUnavailable(new Error('consent kept changing'));
    },
  };
}
