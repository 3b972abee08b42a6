import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Numbers travel in Telesign's form: country code and digits, no `+` (`14252306549`). People type them in
 * every other form, so anything a user or a setting gives us goes through `normalizePhone` first.
 */
export type PhoneResult = { ok: true; digits: string } | { ok: false; message: string };

export function normalizePhone(input: unknown): PhoneResult {
  if (typeof input !== 'string' || input.trim() === '') {
    return { ok: false, message: 'A phone number is required, with its country code (for example +14252306549).' };
  }
  const trimmed = input.trim();
  if (/[^\d\s()+.\-]/.test(trimmed)) {
    return {
      ok: false,
      message: 'A phone number may contain only digits, spaces, parentheses, dots, dashes and a leading +.',
    };
  }
  // Telesign's form and the international 00 prefix both carry the country code without a `+`.
  const compact = trimmed.replace(/[\s().\-]/g, '');
  const international = compact.startsWith('+') ? compact : '+' + compact.replace(/^00/, '');
  const parsed = parsePhoneNumberFromString(international);
  if (!parsed || !parsed.isPossible()) {
    return {
      ok: false,
      message:
        'This is not a possible phone number: give the country code and the full number (for example +14252306549).',
    };
  }
  return { ok: true, digits: parsed.number.slice(1) };
}

/** Short codes are not phone numbers in libphonenumber's sense, yet they are valid support numbers. */
export function isShortCode(digits: string): boolean {
  return /^\d{3,8}$/.test(digits);
}

export function toE164(digits: string): string {
  return isShortCode(digits) ? digits : '+' + digits;
}

/** Lenient form for numbers Telesign hands us: keep what it said, minus formatting, rather than drop the event. */
export function digitsOnly(input: string): string {
  return input.replace(/\D/g, '');
}
