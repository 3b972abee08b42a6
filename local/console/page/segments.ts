/**
 * The counter of the phone's compose box: the same GSM-7 / UCS-2 segment estimate as the send path
 * (shared/domain/segments.ts), ported because the page is an ES module in the browser and the shared code builds
 * as CommonJS for Node. tests/unit/consoleSegments.test.ts holds both to the same answers.
 */
export type Estimate = { encoding: 'GSM-7' | 'UCS-2'; segments: number; characters: number };

const gsmBasic = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const gsmExtension = new Set('\f^{}\\[~]|€');

export function countSegments(text: string): Estimate {
  const codePoints = Array.from(text);
  const gsm = codePoints.every((c) => gsmBasic.has(c) || gsmExtension.has(c));
  // GSM: an extension character is an escape pair; UCS-2: a code point above U+FFFF is two units.
  const costs = codePoints.map((c) => (gsm ? (gsmExtension.has(c) ? 2 : 1) : c.length));
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  const characters = costs.reduce((a, b) => a + b, 0);
  const encoding = gsm ? 'GSM-7' : 'UCS-2';
  if (characters === 0) return { encoding, segments: 0, characters };
  if (characters <= single) return { encoding, segments: 1, characters };
  // A pair is never split across two parts: a unit that does not fit starts the next one.
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding, segments, characters };
}
