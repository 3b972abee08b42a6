import type { ConsentState } from '../domain/consent';

/**
 * Consent per Telesign account and customer number: a STOP sent to one of an account's numbers stops
 * messages from all of them. The account is matched whatever its case.
 */
export interface ConsentRecord {
  state: ConsentState;
  /** The event that set it, so an agent or an auditor can see why. */
  eventId: string;
  keyword: string;
  /** When the customer said it (Telesign's time where known); an older event never overrides a newer one. */
  at: string;
}

export interface ConsentStore {
  get(account: string, customerNumber: string): Promise<ConsentRecord | undefined>;
  /** Idempotent, and ordered by `at`: a redelivered or late event changes nothing. */
  apply(account: string, customerNumber: string, record: ConsentRecord): Promise<'applied' | 'unchanged'>;
}
