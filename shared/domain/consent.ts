/**
 * Consent keywords (CTIA-style STOP/START/HELP). Only a message that is nothing but a keyword changes consent;
 * a longer message that mentions an opt-out word is flagged for an agent, because "please stop" is clear but
 * "don't stop the delivery" is not, and a wrong opt-out silently cuts a customer off.
 */
export type ConsentState = 'opted_in' | 'opted_out';

export type ConsentSignal =
  | { kind: 'opt_out' | 'opt_in' | 'help'; keyword: string }
  | { kind: 'possible_opt_out'; keyword: string }
  | { kind: 'none' };

type KeywordKind = 'opt_out' | 'opt_in' | 'help';

const keywords: ReadonlyArray<readonly [string, KeywordKind]> = [
  ['STOP', 'opt_out'],
  ['STOPALL', 'opt_out'],
  ['UNSUBSCRIBE', 'opt_out'],
  ['CANCEL', 'opt_out'],
  ['END', 'opt_out'],
  ['QUIT', 'opt_out'],
  ['REVOKE', 'opt_out'],
  ['OPTOUT', 'opt_out'],
  ['OPT OUT', 'opt_out'],
  ['START', 'opt_in'],
  ['UNSTOP', 'opt_in'],
  ['YES', 'opt_in'],
  ['HELP', 'help'],
  ['INFO', 'help'],
];

const bySpaced = new Map(keywords.map(([word, kind]) => [word, { kind, keyword: word }]));

// Spacing is ignored for the whole-message match ("stop all", "opt-out", "un subscribe"); the first keyword
// listed wins, so "OPT OUT" compacts to OPTOUT.
const byCompact = new Map<string, { kind: KeywordKind; keyword: string }>();
for (const [word, kind] of keywords) {
  const compact = word.replace(/ /g, '');
  if (!byCompact.has(compact)) byCompact.set(compact, { kind, keyword: word });
}

/**
 * Words that flag a longer message. CANCEL and END are left out: "cancel my order" and "end of the month" are
 * everyday customer-service language, and flagging them would bury the real requests.
 */
const flagWords = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'QUIT', 'REVOKE', 'OPTOUT'];

export function detectConsentKeyword(text: string): ConsentSignal {
  const spaced = normalize(text);
  if (spaced === '') return { kind: 'none' };

  const exact = bySpaced.get(spaced) ?? byCompact.get(spaced.replace(/ /g, ''));
  if (exact) return { ...exact };

  const words = spaced.split(' ');
  // "STOP STOP STOP" is as clear as "STOP".
  const repeated = words.every((w) => w === words[0]) ? bySpaced.get(words[0]) : undefined;
  if (repeated) return { ...repeated };

  for (let i = 0; i < words.length; i++) {
    if (flagWords.includes(words[i])) return { kind: 'possible_opt_out', keyword: words[i] };
    if (words[i] === 'OPT' && words[i + 1] === 'OUT') return { kind: 'possible_opt_out', keyword: 'OPT OUT' };
  }
  return { kind: 'none' };
}

/**
 * Upper case, punctuation and symbols (emoji included) turned into spaces, whitespace collapsed. NFKC first so
 * that full-width letters ("ＳＴＯＰ") read as ASCII.
 */
function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\p{P}\p{S}\p{Cf}\uFE00-\uFE0F]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
    .toUpperCase();
}
