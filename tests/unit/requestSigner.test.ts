import { ApiKeyFormatError } from '../../shared/telesign/apiKey';
import { signRequest, stringToSign } from '../../shared/telesign/requestSigner';

// docs/telesign-protocol.md §Test vectors: the first three are the Node SDK's own.
const common = {
  customerId: 'FFFFFFFF-EEEE-DDDD-1234-AB1234567890',
  apiKey: 'VGVzdCBLZXk=',
  date: 'Wed, 14 Dec 2016 18:20:12 GMT',
  nonce: 'A1592C6F-E384-4CDB-BC42-C3AB970369E9',
};
const FORM = 'application/x-www-form-urlencoded';

describe('signRequest (docs/telesign-protocol.md §Test vectors)', () => {
  it.each([
    ['POST', '/v1/resource', 'test=param', 'vXw/XzywdhgfEG2/zWLaFp7oXmjLB8iJDMndvDbZMjk='],
    ['POST', '/v1/resource', 'test=%CF%BF', 'lPpGXw4jTRdaEp2obzYAD5rR+2aWDInJ8ThLbq0nTGU='],
    ['GET', '/v1/resource', undefined, 'wscyrZZtA7kdXu0i4D5KXyDmBcwH52JF1feiEKp+ir0='],
    [
      'POST',
      '/v1/messaging',
      'phone_number=15555550100&message=Hello+world&message_type=ARN',
      'XVa4gHk0w0K7tPeKThzNWEWRDHZLi/M+rA4AMfcldPQ=',
    ],
  ])('%s %s %s', (method, resource, body, expected) => {
    const contentType = method === 'POST' ? FORM : undefined;
    const { signature, headers } = signRequest({ ...common, method, resource, body, contentType });
    expect(signature).toBe(expected);
    expect(headers.Authorization).toBe(`TSA ${common.customerId}:${expected}`);
  });

  it('the URLSearchParams encoding of the messaging vector is what the vector signs', () => {
    const body = new URLSearchParams({
      phone_number: '15555550100',
      message: 'Hello world',
      message_type: 'ARN',
    }).toString();
    expect(
      signRequest({ ...common, method: 'POST', resource: '/v1/messaging', body, contentType: FORM }).signature,
    ).toBe('XVa4gHk0w0K7tPeKThzNWEWRDHZLi/M+rA4AMfcldPQ=');
  });

  it('sends the headers of §Request signing, Content-Type only for POST/PUT', () => {
    const post = signRequest({ ...common, method: 'POST', resource: '/v1/messaging', body: 'a=b', contentType: FORM });
    expect(post.headers).toEqual({
      Authorization: expect.stringMatching(/^TSA FFFFFFFF-EEEE-DDDD-1234-AB1234567890:/),
      Date: common.date,
      'Content-Type': FORM,
      'x-ts-auth-method': 'HMAC-SHA256',
      'x-ts-nonce': common.nonce,
    });
    const get = signRequest({ ...common, method: 'GET', resource: '/v1/messaging/ABC', contentType: FORM });
    expect(get.headers['Content-Type']).toBeUndefined();
  });

  it('signs an empty Content-Type line for GET and no body line without a body', () => {
    expect(stringToSign({ method: 'GET', resource: '/r', date: 'D', nonce: 'N', contentType: FORM })).toBe(
      'GET\n\nD\nx-ts-auth-method:HMAC-SHA256\nx-ts-nonce:N\n/r',
    );
  });

  it('refuses a key that is not standard base64 rather than signing with a wrong key', () => {
    expect(() => signRequest({ ...common, apiKey: 'VGVzdC_LZXk', method: 'GET', resource: '/r' })).toThrow(
      ApiKeyFormatError,
    );
  });
});
