import { countSegments } from '../../local/console/page/segments';
import { estimateSegments } from '../../shared/domain/segments';

// The console's counter is a port of the send path's estimate (the page cannot import the CommonJS build): both
// must give the same encoding, segments and characters.
const texts = [
  '',
  'Hi, my order has not arrived',
  'STOP',
  'a'.repeat(160),
  'a'.repeat(161),
  'a'.repeat(306),
  'a'.repeat(307),
  '€'.repeat(80),
  '€'.repeat(81),
  `${'a'.repeat(152)}€`,
  'Ça va? Größe',
  'ç is not GSM',
  'Thanks 👍',
  'ü'.repeat(70),
  '日本語'.repeat(24),
  `${'b'.repeat(66)}😀`,
  '😀'.repeat(40),
  'line\nbreak\r\nand {braces} [brackets] ~tilde^ |pipe\\',
];

test.each(texts.map((t) => [t.length > 30 ? `${t.slice(0, 30)}… (${t.length})` : t, t]))(
  'the console counts %j as the send path does',
  (_label, text) => {
    const sent = estimateSegments(text);
    expect(countSegments(text)).toEqual({
      encoding: sent.encoding,
      segments: sent.segments,
      characters: sent.characters,
    });
  },
);
