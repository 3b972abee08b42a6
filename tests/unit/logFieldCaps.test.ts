import { InvocationContext } from '@azure/functions';

import { contextLogger } from '../../functions/support/contextLogger';
import { capLogFields, consoleLogger, LOG_FIELD_MAX } from '../../shared/log';

/** shared/log.ts `capLogFields`: what a log line may carry of fields that came from outside. */
describe('log fields', () => {
  it('are cut at LOG_FIELD_MAX with a marker saying how much was left out', () => {
    const capped = capLogFields({ referenceId: 'A'.repeat(1000) })!.referenceId as string;
    expect(capped).toBe(`${'A'.repeat(LOG_FIELD_MAX)}…[${1000 - LOG_FIELD_MAX} more]`);
  });

  it('are not cut inside a surrogate pair', () => {
    const capped = capLogFields({ text: `${'a'.repeat(LOG_FIELD_MAX - 1)}😀tail` })!.text as string;
    expect(capped.startsWith(`${'a'.repeat(LOG_FIELD_MAX - 1)}…`)).toBe(true);
    expect(/\p{Cs}/u.test(capped)).toBe(false);
  });

  it.each([
    ['digits', '15555550100', '*******0100'],
    ['an E.164 number', '+15555550100', '*******0100'],
    ['a number written for people', 'call +1 (555) 555-0100 now', 'call *******0100 now'],
    ['a number inside free text', 'ref 4420712345678/x', 'ref *********5678/x'],
    ['a number as a JSON number', 15555550100, '*******0100'],
    ['a number beyond the safe integers', 1e21, '******************0000'],
    ['a number glued to letters', 'ref15555550100x', 'ref*******0100x'],
  ])('mask %s to its last four digits', (_what, value, masked) => {
    expect(capLogFields({ value })!.value).toBe(masked);
  });

  it.each([
    ['a Telesign reference id', '0123456789ABCDEF0123456789ABCDEF'],
    ['an event id', 'dr-1234567890abcdef1234567890abcdef12345678'],
    ['a customer id', 'FFFFFFFF-EEEE-DDDD-1234-AB1234567890'],
    ['a masked number', '*******0100'],
    ['a time', '2026-01-02T03:04:05.000Z'],
    ['a short number', 'HTTP 503 after 1500 ms'],
    // Dynamics' correlation ids: one random GUID in about 40 has a first group of digits only.
    ['a GUID whose first group is all digits', '12344019-c3f6-4612-a8ec-ee62410eac74'],
    ['a GUID of digits only', '12345678-1234-4123-8123-123456789012'],
  ])('leave %s as it is', (_what, value) => {
    expect(capLogFields({ value })!.value).toBe(value);
  });

  it('leave small numbers, booleans and missing values as they are', () => {
    expect(capLogFields({ statusCode: 200, bytes: 65537, changed: true, none: undefined, nil: null })).toEqual({
      statusCode: 200,
      bytes: 65537,
      changed: true,
      none: undefined,
      nil: null,
    });
  });

  it('reach into nested fields and lists, with bounds', () => {
    const capped = capLogFields({
      error: { details: { to: '15555550100' } },
      parts: Array.from({ length: 30 }, (_, i) => i),
      deep: { a: { b: { c: { d: { e: 'x' } } } } },
      cause: new TypeError('customer 15555550100'),
    })!;
    expect(capped.error).toEqual({ details: { to: '*******0100' } });
    expect(capped.parts).toEqual([...Array.from({ length: 20 }, (_, i) => i), '…[10 more]']);
    expect(JSON.stringify(capped.deep)).toContain('[nested]');
    expect(capped.cause).toBe('TypeError');
  });

  it('are capped by the console logger', () => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      consoleLogger().info('callback queued', { referenceId: `15555550100${'x'.repeat(500)}`, from: '15555550100' });
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('15555550100');
    expect(lines[0]).toContain('"from":"*******0100"');
    expect(lines[0].length).toBeLessThan(LOG_FIELD_MAX + 100);
  });

  it('are capped by the invocation logger, which logs debug at debug', () => {
    const lines: Array<{ level: string; text: string }> = [];
    const ctx = new InvocationContext({
      functionName: 'telesignCallback',
      logHandler: (level, ...args) =>
        lines.push({ level, text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') }),
    });
    const logger = contextLogger(ctx);
    logger.info('delivery report applied', { referenceId: `REF 15555550100 ${'Z'.repeat(400)}` });
    logger.debug!('client went away', { bytes: 10 });
    expect(lines[0].level).toBe('information');
    expect(lines[0].text).not.toContain('15555550100');
    expect(lines[0].text).toContain('[160 more]');
    expect(lines[1]).toEqual({ level: 'debug', text: 'client went away {"bytes":10}' });
  });
});
