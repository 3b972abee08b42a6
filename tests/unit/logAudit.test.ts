import { SANDBOX_ACCOUNT } from '../../local/localSettings';
import { formatLogLine, maskPhone } from '../../shared/log';
import { leaksIn, registerSecret } from '../support/logAudit';
import { callbackHeaders } from '../support/telesignFixtures';

const kinds = (line: string) => leaksIn(line).map((l) => l.kind);

describe('the log audit', () => {
  it('finds a known key, a signature, a bearer token, a JWT and a full number', () => {
    const headers = callbackHeaders(SANDBOX_ACCOUNT.customerId, SANDBOX_ACCOUNT.apiKey, '{}');
    expect(kinds(`info key ${SANDBOX_ACCOUNT.apiKey}`)).toContain('secret');
    expect(kinds(`warn bad callback ${headers.authorization}`)).toContain('signature');
    expect(kinds(`warn bad callback {"sig":"${headers['x-ts-authorization']}"}`)).toContain('signature');
    expect(kinds('error refused Bearer abcdefgh.ijkl')).toContain('token');
    expect(kinds('error refused eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eXoifQ.c2lnbmF0dXJl')).toContain('token');
    expect(kinds('info sms from 15555550100')).toEqual(['phone number']);
    expect(kinds('info sms from +1 (555) 555-0100')).toEqual(['phone number']);
  });

  it('a secret a test makes up counts once registered', () => {
    const made = 'rotated-secret-value-42';
    expect(kinds(`info ${made}`)).toEqual([]);
    registerSecret(made);
    expect(kinds(`info ${made}`)).toEqual(['secret']);
  });

  it('passes what the channel logs: masked numbers, ids, GUIDs, timestamps, sizes', () => {
    const line = formatLogLine('info', 'inbound message applied', {
      from: maskPhone('15555550100'),
      to: maskPhone('+1 425 230 6549'),
      customerId: SANDBOX_ACCOUNT.customerId,
      referenceId: '0123456789ABCDEF0123456789ABCDEF',
      receivedAt: '2026-12-07T14:02:11.123Z',
      bytes: 1_234,
    });
    expect(leaksIn(line)).toEqual([]);
  });

  it('reports a leak without repeating it', () => {
    const [leak] = leaksIn('info sms from 15555550100');
    expect(leak.line).toBe('info sms from [phone number]');
  });
});
