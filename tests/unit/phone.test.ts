import { normalizePhone, toE164 } from '../../shared/domain/phone';
import { threadIdOf } from '../../shared/domain/threadId';

describe('phone numbers', () => {
  it.each([
    ['+1 (425) 230-6549', '14252306549'],
    ['14252306549', '14252306549'],
    ['0014252306549', '14252306549'],
    ['+44 7700 900123', '447700900123'],
    ['+49 151 12345678', '4915112345678'],
    ['1.425.230.6549', '14252306549'],
  ])("normalises %s to Telesign's digits", (input, digits) => {
    expect(normalizePhone(input)).toEqual({ ok: true, digits });
  });

  it.each([[''], ['   '], ['+12345'], ['abc'], ['+1 425 230 6549 ext 2'], [42], [undefined]])('refuses %p', (input) => {
    expect(normalizePhone(input)).toEqual({ ok: false, message: expect.any(String) });
  });

  it('writes E.164 for people and keeps short codes as they are', () => {
    expect(toE164('14252306549')).toBe('+14252306549');
    expect(toE164('12345')).toBe('12345');
  });
});

describe('thread ids', () => {
  it('are stable, URL-safe and free of the numbers', () => {
    const id = threadIdOf('CUST', '14252306549', '15555550100');
    expect(threadIdOf('cust', '14252306549', '15555550100')).toBe(id);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(id).not.toContain('5550100');
  });

  it('differ per support number, customer and account', () => {
    const id = threadIdOf('CUST', '14252306549', '15555550100');
    expect(threadIdOf('CUST', '18005550199', '15555550100')).not.toBe(id);
    expect(threadIdOf('CUST', '14252306549', '15555550101')).not.toBe(id);
    expect(threadIdOf('OTHER', '14252306549', '15555550100')).not.toBe(id);
  });
});
