/**
 * Message text limits (docs/architecture.md §Contracts, docs/telesign-protocol.md §Text and numbers): 1 to 1600
 * characters, Telesign's and the Dynamics channel's.
 */
export const TEXT_MAX = 1600;

export type TextValidation = { ok: true; text: string } | { ok: false; message: string };

/**
 * Length is counted in UTF-16 code units (JavaScript's `length`, an emoji is 2). Neither Telesign nor Dynamics
 * documents whether "characters" means code units or code points; code units are never fewer than code points,
 * so a text accepted here is within 1600 under either reading and Telesign never refuses it for length.
 * Text is returned unchanged: what the agent wrote is what the customer gets.
 */
export function validateText(text: unknown): TextValidation {
  if (typeof text !== 'string') return { ok: false, message: 'text must be a string' };
  if (text.trim() === '') {
    return { ok: false, message: `text is empty or only whitespace; it must be 1 to ${TEXT_MAX} characters` };
  }
  if (text.length > TEXT_MAX) {
    return { ok: false, message: `text is ${text.length} characters; the limit is ${TEXT_MAX}` };
  }
  // A lone surrogate cannot be encoded for the network; it usually means text was cut mid-emoji upstream.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) {
    return { ok: false, message: 'text contains an unpaired UTF-16 surrogate (a broken emoji or symbol)' };
  }
  return { ok: true, text };
}
