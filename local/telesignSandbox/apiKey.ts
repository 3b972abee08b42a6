/**
 * API keys are standard base64. Node's decoder silently accepts base64url characters and skips junk, which would
 * make the sandbox sign with a different key than the one a human typed: reject such keys instead
 * (docs/telesign-protocol.md §Request signing).
 */
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isStandardBase64(value: string): boolean {
  return value.length > 0 && STANDARD_BASE64.test(value);
}

/** The HMAC key: base64-decode(api_key). Throws without echoing the key. */
export function decodeApiKey(apiKey: string): Buffer {
  if (!isStandardBase64(apiKey)) throw new Error('API key is not standard base64');
  return Buffer.from(apiKey, 'base64');
}
