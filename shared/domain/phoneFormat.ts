import { parsePhoneNumberFromString } from 'libphonenumber-js';

import { isShortCode, toE164 } from './phone';

/**
 * The forms a CRM may store a customer's number in. Matching a contact by phone compares strings in a form the
 * CRM does not document, so the organisation picks the form its records use:
 * - `e164`: `+14252306549` (the default)
 * - `digits`: `14252306549`, country code and digits, no `+`
 * - `national`: `(425) 230-6549`, the number as dialled inside its country
 * - `nationalDigits`: `4252306549`, the national number without formatting
 */
export const phoneFormats = ['e164', 'digits', 'national', 'nationalDigits'] as const;
export type PhoneFormat = (typeof phoneFormats)[number];

/** `digits` is the channel's own form (country code and digits); a number libphonenumber cannot read is kept as E.164. */
export function formatPhone(digits: string, format: PhoneFormat): string {
  if (format === 'digits' || isShortCode(digits)) return digits;
  if (format === 'e164') return toE164(digits);
  const parsed = parsePhoneNumberFromString('+' + digits);
  if (!parsed) return toE164(digits);
  return format === 'national' ? parsed.formatNational() : parsed.nationalNumber;
}
