/**
 * SMS segment estimate. Telesign's own choice of encoding is unconfirmed (docs/telesign-protocol.md §Text and
 * numbers): this uses the industry rules (GSM 03.38 default alphabet, else UCS-2) and is reported as an estimate,
 * never used to refuse a send.
 */
export type SegmentEstimate = {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  /** Units counted: GSM septets (an extension character is two) or UTF-16 code units (an emoji is two). */
  characters: number;
  /** The distinct characters that forced UCS-2, in order of first appearance. */
  ucs2Characters: string[];
};

// GSM 03.38 basic table, in code order (0x00–0x7F; 0x1B is the escape to the extension table).
const gsmBasic = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// Extension table: each is sent as ESC + char, two septets. Form feed is part of the standard table too.
const gsmExtension = new Set('\f^{}\\[~]|€');

const GSM_SINGLE = 160;
const GSM_MULTI = 153;
const UCS2_SINGLE = 70;
const UCS2_MULTI = 67;

export function estimateSegments(text: string): SegmentEstimate {
  const codePoints = Array.from(text);
  const ucs2Characters = [...new Set(codePoints.filter((c) => !gsmBasic.has(c) && !gsmExtension.has(c)))];

  if (ucs2Characters.length === 0) {
    const costs = codePoints.map((c) => (gsmExtension.has(c) ? 2 : 1));
    return { encoding: 'GSM-7', ...pack(costs, GSM_SINGLE, GSM_MULTI), ucs2Characters };
  }
  // A code point above U+FFFF is a surrogate pair: two UTF-16 units.
  const costs = codePoints.map((c) => c.length);
  return { encoding: 'UCS-2', ...pack(costs, UCS2_SINGLE, UCS2_MULTI), ucs2Characters };
}

/**
 * Concatenated parts lose room to the UDH, and a phone cannot rejoin an escape pair or a surrogate pair split
 * across two parts, so an indivisible unit that does not fit starts the next part. Plain division undercounts.
 */
function pack(costs: number[], single: number, multi: number): { segments: number; characters: number } {
  const characters = costs.reduce((a, b) => a + b, 0);
  if (characters === 0) return { segments: 0, characters };
  if (characters <= single) return { segments: 1, characters };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { segments, characters };
}
