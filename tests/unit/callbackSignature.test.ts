import { decodeApiKey, isStandardBase64Key } from '../../shared/telesign/apiKey';
import {
  isCanonicalSignature,
  parseCallbackAuthHeaders,
  signatureMatches,
  signCallbackBody,
} from '../../shared/telesign/callbackSignature';

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
    const sig = 'iixW5wYvk4nW7ILc8T4IjfrSNV1/nUZyCdYTOIZCt9A=';
    expect(parseCallbackAuthHeaders(`TSA CUST-1:${sig}`, sig)).toEqual({
      ok: true,
      value: { customerId: 'CUST-1', signature: sig },
    });
    expect(parseCallbackAuthHeaders(undefined, sig)).toEqual({
      ok: false,
      reason: expect.stringContaining('Authorization'),
    });
    expect(parseCallbackAuthHeaders(`TSA CUST-1:${sig}`, null)).toEqual({
      ok: false,
      reason: expect.stringContaining('X-TS-Authorization'),
    });
    expect(parseCallbackAuthHeaders('Basic abc', sig)).toEqual({
      ok: false,
      reason: expect.stringContaining('TSA'),
    });
  });
});

describe('callback signature: one canonical form only', () => {
  const sig = 'iixW5wYvk4nW7ILc8T4IjfrSNV1/nUZyCdYTOIZCt9A=';
  const digest = Buffer.from(sig, 'base64');
  const cid = 'FFFFFFFF-EEEE-DDDD-1234-AB1234567890';

  /** Other spellings of the same digest, each of which Node's lenient decoder reads as the right 32 bytes. */
  const spellings: Array<[string, string]> = [
    ['missing padding', sig.slice(0, -1)],
    ['junk after the padding', `${sig}junk`],
    ['base64 after the padding', `${sig}AAAA`],
    ['base64url', sig.replace(/\//g, '_').replace(/\+/g, '-')],
    ['base64url without padding', sig.replace(/\//g, '_').replace(/\+/g, '-').slice(0, -1)],
    ['an inserted non-base64 character', `${sig.slice(0, 10)}*${sig.slice(10)}`],
    ['an inserted percent sign', `${sig.slice(0, 20)}%${sig.slice(20)}`],
    ['an inserted space', `${sig.slice(0, 10)} ${sig.slice(10)}`],
    ['non-zero unused bits in the last character', `${sig.slice(0, 42)}B=`],
    ['a leading colon', `:${sig}`],
    ['a trailing ":extra"', `${sig}:extra`],
  ];

  it.each(spellings)('a lenient decoder reads %s as the same digest', (_n, s) => {
    expect(Buffer.from(s, 'base64').equals(digest)).toBe(true);
  });

  it('refuses a customer id that only Unicode case folding makes one of ours (the Kelvin sign for k)', () => {
    // 'kelvin-1'.toUpperCase() and '\u212Aelvin-1'.toLowerCase() both meet an account id 'KELVIN-1' without case.
    expect('\u212Aelvin-1'.toLowerCase()).toBe('kelvin-1');
    expect(parseCallbackAuthHeaders(`TSA \u212Aelvin-1:${sig}`, sig)).toMatchObject({ ok: false });
    expect(parseCallbackAuthHeaders(`TSA kelvin-1:${sig}`, sig)).toMatchObject({ ok: true });
  });

  it('accepts the canonical form', () => {
    expect(isCanonicalSignature(sig)).toBe(true);
    expect(parseCallbackAuthHeaders(`TSA ${cid}:${sig}`, sig).ok).toBe(true);
    expect(signatureMatches(sig, sig)).toBe(true);
  });

  it.each(spellings)('refuses %s in both headers', (_name, spelled) => {
    expect(isCanonicalSignature(spelled)).toBe(false);
    expect(signatureMatches(sig, spelled)).toBe(false);
    expect(parseCallbackAuthHeaders(`TSA ${cid}:${spelled}`, spelled).ok).toBe(false);
  });

  it.each(spellings)('refuses %s in X-TS-Authorization alone', (_name, spelled) => {
    expect(parseCallbackAuthHeaders(`TSA ${cid}:${sig}`, spelled).ok).toBe(false);
  });

  it.each(spellings)('refuses %s in Authorization alone', (_name, spelled) => {
    expect(parseCallbackAuthHeaders(`TSA ${cid}:${spelled}`, sig).ok).toBe(false);
  });

  it.each([
    ['an extra colon before the signature', `TSA ${cid}::${sig}`],
    ['":extra" after the signature', `TSA ${cid}:${sig}:extra`],
    ['a lower-case scheme', `tsa ${cid}:${sig}`],
    ['two spaces after the scheme', `TSA  ${cid}:${sig}`],
    ['a tab after the scheme', `TSA\t${cid}:${sig}`],
    ['no space after the scheme', `TSA${cid}:${sig}`],
    ['a leading space', ` TSA ${cid}:${sig}`],
    ['a trailing space', `TSA ${cid}:${sig} `],
    ['an empty customer id', `TSA :${sig}`],
    ['no signature', `TSA ${cid}:`],
  ])('refuses an Authorization header with %s', (_name, authorization) => {
    expect(parseCallbackAuthHeaders(authorization, sig)).toEqual({ ok: false, reason: expect.any(String) });
  });

  it('refuses an X-TS-Authorization header with surrounding spaces', () => {
    expect(parseCallbackAuthHeaders(`TSA ${cid}:${sig}`, ` ${sig} `).ok).toBe(false);
  });

  it('refuses two headers that carry different (canonical) signatures', () => {
    const other = 'jixW5wYvk4nW7ILc8T4IjfrSNV1/nUZyCdYTOIZCt9A=';
    expect(parseCallbackAuthHeaders(`TSA ${cid}:${sig}`, other)).toEqual({
      ok: false,
      reason: expect.stringContaining('different'),
    });
  });

  // How a header given twice reaches us: the Functions host joins the values with ",", the HttpRequest's Headers
  // and Node's IncomingMessage with ", ".
  it.each([
    ['Authorization joined with ","', `TSA ${cid}:${sig},TSA ${cid}:${sig}`, sig],
    ['Authorization joined with ", "', `TSA ${cid}:${sig}, TSA ${cid}:${sig}`, sig],
    ['Authorization, the second value junk', `TSA ${cid}:${sig}, junk`, sig],
    ['Authorization joined with "," to junk', `TSA ${cid}:${sig},junk`, sig],
    ['X-TS-Authorization joined with ","', `TSA ${cid}:${sig}`, `${sig},${sig}`],
    ['X-TS-Authorization joined with ", "', `TSA ${cid}:${sig}`, `${sig}, ${sig}`],
    ['X-TS-Authorization, the second value junk', `TSA ${cid}:${sig}`, `${sig}, junk`],
  ])('refuses a repeated header: %s', (_name, authorization, xTs) => {
    expect(parseCallbackAuthHeaders(authorization, xTs)).toEqual({
      ok: false,
      reason: expect.stringContaining('more than once'),
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
