import type { ConsentRecord, ConsentStore } from '../ports/consentStore';

/** The consent store in memory, keyed as on Table Storage by the lower-cased account and the number. */
export function createMemoryConsentStore(): ConsentStore {
  const records = new Map<string, ConsentRecord>();
  const keyOf = (account: string, customerNumber: string) => `${account.toLowerCase()}|${customerNumber}`;

  return {
    async get(account, customerNumber) {
      const record = records.get(keyOf(account, customerNumber));
      return record && { ...record };
    },
    async apply(account, customerNumber, record) {
      const current = records.get(keyOf(account, customerNumber));
      if (current && (current.eventId === record.eventId || current.at > record.at)) return 'unchanged';
      const { state, eventId, keyword, at } = record;
      records.set(keyOf(account, customerNumber), { state, eventId, keyword, at });
      return 'applied';
    },
  };
}
