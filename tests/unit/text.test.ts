import { TEXT_MAX, validateText } from '../../shared/domain/text';

describe('validateText', () => {
  it('limit is 1600', () => {
    expect(TEXT_MAX).toBe(1600);
  });

  it.each(['a', 'Hello', 'x'.repeat(1600), '😀'.repeat(800), '  padded  ', 'line\nbreak'])(
    'accepts %#, unchanged',
    (text) => {
      expect(validateText(text)).toEqual({ ok: true, text });
    },
  );

  it.each<[unknown, RegExp]>([
    [undefined, /must be a string/],
    [null, /must be a string/],
    [42, /must be a string/],
    [['hi'], /must be a string/],
    ['', /empty/],
    ['  \n\t ', /empty/],
    ['x'.repeat(1601), /^text is 1601 characters; the limit is 1600$/],
    ['😀'.repeat(801), /^text is 1602 characters; the limit is 1600$/],
    ['broken \uD83D', /unpaired/],
    ['\uDE00 broken', /unpaired/],
  ])('refuses %#', (text, message) => {
    const result = validateText(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});
