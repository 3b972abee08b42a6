import { decodeListToken, decodeMessagesToken, encodeToken } from '../../shared/services/continuationToken';

/**
 * A token holding a lone surrogate (JSON spells one as `"\ud800"`) cannot be one we gave out: everything we put
 * in a token is well-formed text. Taken as a position it would reach storage and fail to encode into the
 * request's URL there, which reads as our failure (500 storage_rejected) instead of the caller's mistake (400).
 */
const tokenOf = (json: string) => Buffer.from(json, 'utf8').toString('base64url');

describe('continuation tokens with text we never give out', () => {
  it.each([
    ['a lone high surrogate as a position', '{"k":"list","after":{"open":"\\ud800"}}'],
    ['a lone low surrogate inside a position', '{"k":"list","after":{"closed":"8224_\\udc00.1"}}'],
    ['a pair the wrong way round', '{"k":"list","after":{"open":"\\ude00\\ud83d"}}'],
    ['a lone surrogate as the queue', '{"k":"list","queue":"billing\\ud800","after":{}}'],
  ])('refuse %s as a listing token', (_what, json) => {
    expect(decodeListToken(tokenOf(json))).toBeUndefined();
  });

  it('refuse a lone surrogate as the conversation of a message page', () => {
    expect(decodeMessagesToken(tokenOf('{"k":"messages","id":"abc\\ud800.1","m":3}'))).toBeUndefined();
  });

  it('still read text beyond the BMP, which is well-formed, and every token we give out', () => {
    const list = { k: 'list' as const, queue: 'ventes 😀', after: { open: '8224_abc.1' } };
    expect(decodeListToken(encodeToken(list))).toEqual(list);
    expect(decodeListToken(tokenOf('{"k":"list","queue":"\\ud83d\\ude00","after":{}}'))).toEqual({
      k: 'list',
      queue: '😀',
      after: {},
    });
  });
});
