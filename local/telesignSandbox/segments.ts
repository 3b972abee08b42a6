/**
 * Estimates how many parts Telesign splits a message into, for `message_parts_count` in delivery reports.
 * Industry segment sizes (docs/telesign-protocol.md §Text and numbers); Telesign's own encoding choice is
 * unconfirmed, so this is an estimate.
 */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '^{}\\[~]|€\f';

export function estimateParts(message: string): number {
  let septets = 0;
  let gsm = true;
  for (const ch of message) {
    if (GSM7_BASIC.includes(ch)) septets += 1;
    else if (GSM7_EXTENSION.includes(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  // UCS-2 counts UTF-16 units: a character outside the BMP takes two.
  const units = message.length;
  return units <= 70 ? 1 : Math.ceil(units / 67);
}
