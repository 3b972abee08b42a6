/** The customer ids the sandbox serves and their current API keys (rotatable from tests). */
import { isStandardBase64 } from './apiKey';
import type { SandboxAccount } from './types';

export class Accounts {
  private readonly keys = new Map<string, string>();

  constructor(accounts: SandboxAccount[]) {
    if (accounts.length === 0) throw new Error('Telesign sandbox needs at least one account');
    for (const { customerId, apiKey } of accounts) this.set(customerId, apiKey);
  }

  /** Refuses a key that is not standard base64 rather than signing with whatever Node would make of it. */
  set(customerId: string, apiKey: string): void {
    if (!customerId || customerId.includes(':')) throw new Error('Invalid customer id for the Telesign sandbox');
    if (!isStandardBase64(apiKey)) throw new Error(`API key of customer ${customerId} is not standard base64`);
    this.keys.set(customerId, apiKey);
  }

  apiKeyFor(customerId: string): string | undefined {
    return this.keys.get(customerId);
  }

  firstCustomerId(): string {
    return this.keys.keys().next().value as string;
  }
}
