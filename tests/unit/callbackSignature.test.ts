import { decodeApiKey, isStandardBase64Key } from '../../shared/telesign/apiKey';
import { parseCallbackAuthHeaders, signatureMatches, signCallbackBody } from '../../shared/telesign/callbackSignature';

const VECTOR_BODY =
  '{"status":{"code":200,"description":"Delivered to handset","updated_on":"2016-10-21T14:05:36.181346Z"},"reference_id":"0123456789ABCDEF0123456789ABCDEF"}';

describe('callback signature (docs/telesign-protocol.md §Callback signature)', () => {
  it('reproduces the protocol test vector', () => {
    expect(signCallbackBody('VGVzdCBLZXk=', VECTOR_BODY)).toBe('iixW5wYvk4nW7ILc8T4IjfrSNV1/nUZyCdYTOIZCt9A=');
  });

  it('signs the raw bytes, so a re-serialised body does not match', () => {
    const reserialised = JSON.stringify(JSON.parse(VECTOR_BODY), null, 1);
    expect(signCallbackBody('VGVzdCBLZXk=', reserialised)).not.toBe('iixW5wYvk4nW7ILc8T4IjfrSNV1/nUZyCdYTOIZCt9A=');
  });

  it('compares signatures by their bytes', () => {
    const good = 'iixW5wYvk4nW7ILc8T4IjfrSNV1/nUZyCdYTOIZCt9A=';
    expect(signatureMatches(good, good)).toBe(true);
    expect(signatureMatches(good, 'jixW5wYvk4nW7ILc8T4IjfrSNV1/nUZyCdYTOIZCt9A=')).toBe(false);
    expect(signatureMatches(good, 'c2hvcnQ=')).toBe(false);
    expect(signatureMatches(good, '')).toBe(false);
  });

  it('reads both authorization headers', () => {
    expect(parseCallbackAuthHeaders('TSA CUST-1:abc=', 'abc=')).toEqual({
      ok: true,
      value: { customerId: 'CUST-1', authorizationSignature: 'abc=', xTsSignature: 'abc=' },
    });
    expect(parseCallbackAuthHeaders(undefined, 'abc=')).toEqual({
      ok: false,
      reason: expect.stringContaining('Authorization'),
    });
    expect(parseCallbackAuthHeaders('TSA CUST-1:abc=', null)).toEqual({
      ok: false,
      reason: expect.stringContaining('X-TS-Authorization'),
    });
    expect(parseCallbackAuthHeaders('Basic abc', 'abc=')).toEqual({
      ok: false,
      reason: expect.stringContaining('TSA'),
    });
  });
});

describe('API key format', () => {
  it.each(['VGVzdCBLZXk=', 'YWJj', 'YWI=', 'a+/='.replace('=', 'A')])('accepts standard base64 %s', (key) => {
    expect(isStandardBase64Key(key)).toBe(true);
  });

  it.each(['', 'VGVzdCBLZXk', 'abc-_def', 'not base64!', 'YW=='.slice(0, 3)])('refuses %p', (key) => {
    expect(isStandardBase64Key(key)).toBe(false);
    expect(() => decodeApiKey(key)).toThrow(/standard base64/);
  });
});
