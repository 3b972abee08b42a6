/**
 * Telesign API keys are standard base64 and the HMAC key is their decoded bytes. Node's decoder silently accepts
 * base64url characters and drops junk, which would sign with the wrong key and fail far from the cause, so a key
 * is checked strictly before use.
 */
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class ApiKeyFormatError extends Error {
  constructor() {
    super('The Telesign API key is not standard base64 (A-Z, a-z, 0-9, +, / and = padding).');
    this.name = 'ApiKeyFormatError';
  }
}

export function isStandardBase64Key(apiKey: string): boolean {
  return apiKey.length > 0 && STANDARD_BASE64.test(apiKey);
}

export function decodeApiKey(apiKey: string): Buffer {
  const trimmed = apiKey.trim();
  if (!isStandardBase64Key(trimmed)) throw new ApiKeyFormatError();
  return Buffer.from(trimmed, 'base64');
}
