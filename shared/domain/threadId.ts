import { createHash } from 'node:crypto';

/**
 * A thread is the pair (support number, customer number) within one Telesign account. Its id is a hash so that
 * phone numbers stay out of URLs, table keys and logs; it is stable, so every event of the pair finds the same
 * partition and the same Service Bus session. 22 base64url characters keep 132 bits: collisions are not a concern.
 */
export function threadIdOf(account: string, supportNumber: string, customerNumber: string): string {
  return createHash('sha256')
    .update(`thread|${account.toLowerCase()}|${supportNumber}|${customerNumber}`)
    .digest('base64url')
    .slice(0, 22);
}
