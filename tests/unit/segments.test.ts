import { estimateSegments } from '../../shared/domain/segments';

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

describe('estimateSegments', () => {
  it('empty text is zero segments', () => {
    expect(estimateSegments('')).toEqual({ encoding: 'GSM-7', segments: 0, characters: 0, ucs2Characters: [] });
  });

  it('the whole GSM basic alphabet stays GSM-7 at one septet each', () => {
    expect(GSM_BASIC.length).toBe(127);
    expect(estimateSegments(GSM_BASIC)).toEqual({
      encoding: 'GSM-7',
      segments: 1,
      characters: 127,
      ucs2Characters: [],
    });
  });

  it.each(['^', '{', '}', '\\', '[', '~', ']', '|', '€', '\f'])('extension character %j counts two septets', (c) => {
    expect(estimateSegments(c)).toEqual({ encoding: 'GSM-7', segments: 1, characters: 2, ucs2Characters: [] });
  });

  it.each<[string, number, number]>([
    ['a'.repeat(160), 1, 160],
    ['a'.repeat(161), 2, 161],
    ['a'.repeat(306), 2, 306],
    ['a'.repeat(307), 3, 307],
    ['a'.repeat(459), 3, 459],
    ['€'.repeat(80), 1, 160],
    ['€'.repeat(81), 2, 162],
    ['a'.repeat(1600), 11, 1600],
  ])('GSM-7 %#: %d segments, %d septets', (text, segments, characters) => {
    expect(estimateSegments(text)).toMatchObject({ encoding: 'GSM-7', segments, characters });
  });

  it('never splits an escape pair across segments', () => {
    // 152 + 2 = 154 > 153: the € moves to the second part, which then holds 2 + 151 = 153.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(151);
    expect(estimateSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 2, characters: 305 });
    expect(estimateSegments(text + 'a')).toMatchObject({ segments: 3, characters: 306 }); // division would say 2
  });

  it.each<[string, number, number]>([
    ['ж'.repeat(70), 1, 70],
    ['ж'.repeat(71), 2, 71],
    ['ж'.repeat(134), 2, 134],
    ['ж'.repeat(135), 3, 135],
    ['😀'.repeat(35), 1, 70],
    ['😀'.repeat(36), 2, 72],
  ])('UCS-2 %#: %d segments, %d code units', (text, segments, characters) => {
    expect(estimateSegments(text)).toMatchObject({ encoding: 'UCS-2', segments, characters });
  });

  it('never splits a surrogate pair across segments', () => {
    // 66 + 2 = 68 > 67: the emoji starts the second part.
    const text = 'ж'.repeat(66) + '😀' + 'ж'.repeat(66);
    expect(estimateSegments(text)).toMatchObject({ encoding: 'UCS-2', segments: 3, characters: 134 });
    expect(estimateSegments('ж'.repeat(66) + '😀' + 'ж'.repeat(65))).toMatchObject({ segments: 2, characters: 133 });
  });

  it('one non-GSM character turns the whole message UCS-2, where extension characters count once', () => {
    expect(estimateSegments('Price: 5€ ok ✓')).toEqual({
      encoding: 'UCS-2',
      segments: 1,
      characters: 14,
      ucs2Characters: ['✓'],
    });
  });

  it('lists the distinct characters that forced UCS-2 in order of appearance', () => {
    expect(estimateSegments('Ça coûte 5€ — merci 😀 û —').ucs2Characters).toEqual(['û', '—', '😀']);
  });

  it.each(['ç', 'á', 'í', 'ó', 'ú', 'Ê', '`', '’', '“'])('%j is not in the GSM alphabet', (c) => {
    expect(estimateSegments(`x${c}`)).toMatchObject({ encoding: 'UCS-2', ucs2Characters: [c] });
  });
});
