import { splitForSms, splitText } from '../../shared/domain/splitText';

const words = (n: number, word = 'word') => Array.from({ length: n }, () => word).join(' ');

describe('splitText', () => {
  it('keeps a text that fits as one part, trimmed', () => {
    expect(splitText('  hello there \n', 20)).toEqual(['hello there']);
    expect(splitText('   ', 20)).toEqual([]);
  });

  it('cuts at the last space that fits and drops it', () => {
    expect(splitText('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(splitText('aaa bbb ccc', 8)).toEqual(['aaa bbb', 'ccc']);
  });

  it('prefers a line break, then a sentence end, to a later space', () => {
    const text = 'First line here.\nSecond sentence. Third one goes on and on';
    expect(splitText(text, 30)).toEqual(['First line here.', 'Second sentence.', 'Third one goes on and on']);
    expect(splitText('One two. Three four five six', 20)).toEqual(['One two. Three four', 'five six']);
    expect(splitText('Short one. Then a much longer sentence follows', 24)).toEqual([
      'Short one. Then a much',
      'longer sentence follows',
    ]);
  });

  it('cuts a word longer than the room hard, in order', () => {
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(splitText('ab cdefghijkl m', 5)).toEqual(['ab', 'cdefg', 'hijkl', 'm']);
  });

  it('never separates the halves of an emoji', () => {
    const parts = splitText('ab😀cd', 3);
    expect(parts).toEqual(['ab', '😀c', 'd']);
    expect(parts.join('')).toBe('ab😀cd');
  });

  it('keeps every word, in order, and every part within the limit', () => {
    const text = words(700, 'lorem') + ' ' + 'x'.repeat(2000) + ' ' + words(100, 'ipsum');
    const parts = splitForSms(text);
    expect(parts.every((p) => p.length > 0 && p.length <= 1600)).toBe(true);
    expect(parts.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
    // Only the 2,000-character word is cut inside; every other part boundary is a space.
    const cutInside = parts.slice(1).filter((p, i) => /\w$/.test(parts[i]) && /^x/.test(p) && /x$/.test(parts[i]));
    expect(cutInside).toHaveLength(1);
  });

  it('uses 1,600 for SMS unless told otherwise', () => {
    expect(splitForSms(words(400))).toHaveLength(2);
    expect(splitForSms(words(400), 200).every((p) => p.length <= 200)).toBe(true);
  });

  it('refuses a limit that cannot hold a surrogate pair', () => {
    expect(() => splitText('abc', 1)).toThrow(RangeError);
    expect(() => splitText('abc', 2.5)).toThrow(RangeError);
  });
});
