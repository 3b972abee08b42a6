import { formatPhone } from '../../shared/domain/phoneFormat';

describe('formatPhone for the CRM', () => {
  it.each([
    ['e164', '14252306549', '+14252306549'],
    ['digits', '14252306549', '14252306549'],
    ['national', '14252306549', '(425) 230-6549'],
    ['nationalDigits', '14252306549', '4252306549'],
    ['national', '447700900123', '07700 900123'],
    ['nationalDigits', '447700900123', '7700900123'],
  ] as const)('%s of %s is %s', (format, digits, expected) => {
    expect(formatPhone(digits, format)).toBe(expected);
  });

  it('leaves a short code as it is', () => {
    expect(formatPhone('22395', 'e164')).toBe('22395');
    expect(formatPhone('22395', 'national')).toBe('22395');
  });
});
