import { decodeListToken, decodeMessagesToken, encodeToken } from '../../shared/services/continuationToken';

describe('continuation tokens', () => {
  it('round-trip the position of a listing and of a message page', () => {
    const list = { k: 'list' as const, state: 'open' as const, queue: 'billing', after: { open: '8224_abc.1' } };
    expect(decodeListToken(encodeToken(list))).toEqual(list);
    const messages = { k: 'messages' as const, id: 'abc.1', m: 25 };
    expect(decodeMessagesToken(encodeToken(messages))).toEqual(messages);
  });

  it.each([
    ['not base64url', '***'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['another shape', Buffer.from(JSON.stringify({ k: 'list', after: { pending: 'x' } })).toString('base64url')],
    ['a messages token', encodeToken({ k: 'messages', id: 'abc.1', m: 1 })],
    ['too long', 'A'.repeat(3000)],
  ])('refuse %s as a listing token', (_what, token) => {
    expect(decodeListToken(token)).toBeUndefined();
  });
});
