import type { TelesignClient } from '../../shared/telesign/client';

/** A Telesign that accepts every SMS with a fresh reference id and is asked nothing else. */
export function acceptingTelesign(newReferenceId: () => string): TelesignClient {
  return {
    sendSms: async () => ({
      referenceId: newReferenceId(),
      status: { code: 290, description: 'Message in progress' },
      raw: {},
    }),
    getStatus: () => Promise.reject(new Error('not used')),
    checkCredentials: () => Promise.reject(new Error('not used')),
  };
}
