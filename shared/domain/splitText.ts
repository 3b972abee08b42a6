import { TEXT_MAX } from './text';

/**
 * Cuts a text into parts of at most `max` UTF-16 code units (the unit `validateText` counts), in order. A part
 * ends at the last line break, else sentence end, else space that fits; only a word longer than `max` is cut
 * inside, and never between the two halves of a surrogate pair. The whitespace at a cut is dropped, since the
 * parts arrive as separate messages; empty parts are never produced.
 */
export function splitText(text: string, max: number): string[] {
  if (!Number.isInteger(max) || max < 2) throw new RangeError(`max must be an integer of at least 2, not ${max}`);
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const cut = cutPoint(rest, max);
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** SMS parts for one outgoing text: the provider's 1,600-character maximum unless told otherwise. */
export function splitForSms(text: string, max: number = TEXT_MAX): string[] {
  return splitText(text, max);
}

// A break this early would leave a stub of a part; below half the room, a later, weaker break is preferred.
const MIN_FILL = 0.5;

function cutPoint(text: string, max: number): number {
  // The character just past the room counts: a space there means the first `max` characters end a word.
  const window = text.slice(0, max + 1);
  const floor = Math.floor(max * MIN_FILL);

  const newline = window.lastIndexOf('\n');
  if (newline >= floor) return newline;

  const sentence = lastSentenceEnd(window);
  if (sentence >= floor) return sentence;

  const space = lastWhitespace(window);
  if (space > 0) return space;

  // One word longer than the room: cut hard, but keep an emoji or other astral character whole.
  const high = text.charCodeAt(max - 1);
  return high >= 0xd800 && high <= 0xdbff ? max - 1 : max;
}

/** Index of the whitespace after the last `.`, `!` or `?` in the window, or -1. */
function lastSentenceEnd(window: string): number {
  for (let i = window.length - 1; i > 0; i--) {
    if (/\s/.test(window[i]) && /[.!?]/.test(window[i - 1])) return i;
  }
  return -1;
}

function lastWhitespace(window: string): number {
  for (let i = window.length - 1; i > 0; i--) if (/\s/.test(window[i])) return i;
  return -1;
}
