/**
 * The logging port. Entry points adapt the Functions `InvocationContext` (or the console) to it, so services
 * never depend on the host. Callers pass phone numbers through `maskPhone` before they reach a log line; the
 * adapters pass every field through `capLogFields` as well, since many fields come from outside (a Telesign
 * `reference_id`, a Dynamics id, an error message) and may be of any length or hold a number.
 */
export interface Logger {
  /** Noise an operator only wants while looking into something (a client that went away); optional. */
  debug?(message: string, props?: Record<string, unknown>): void;
  info(message: string, props?: Record<string, unknown>): void;
  warn(message: string, props?: Record<string, unknown>): void;
  error(message: string, props?: Record<string, unknown>): void;
}

/** Keeps the last four digits, so an operator can still tell numbers apart without reading them. */
export function maskPhone(value: string | undefined | null): string {
  if (!value) return '';
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  return '*'.repeat(digits.length - 4) + digits.slice(-4);
}

/** The most UTF-16 units a string field keeps; the rest is cut, with a marker saying how much. */
export const LOG_FIELD_MAX = 256;

/** Digits enough for a phone number (the shortest E.164 numbers have 7). */
const NUMBER_DIGITS = 7;

/**
 * What may be a number: digits with `+` and single separators standing on their own (`+1 (555) 555-0100`), or
 * seven digits and more anywhere (`ref15555550100x`); and what is not, matched first so its digits are left
 * alone: a GUID, and a word of hex digits with a letter (a Telesign reference id, a hash).
 */
const HEX_WORD = String.raw`(?<![\p{L}\p{N}])[0-9A-Fa-f]*[A-Fa-f][0-9A-Fa-f]*(?![\p{L}\p{N}])`;
/**
 * A GUID as a whole (Dynamics' correlation ids): judged part by part, one whose first group happens to hold only
 * digits (one random GUID in 40) would lose it to the number rule.
 */
const GUID_SHAPE = String.raw`[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}`;
const GUID = String.raw`(?<![\p{L}\p{N}])${GUID_SHAPE}(?![\p{L}\p{N}])`;
const IS_GUID = new RegExp(`^${GUID_SHAPE}$`);
const FORMATTED = String.raw`(?<![\p{L}\p{N}])\+?\d(?:[ ().-]{0,2}\d)+(?![\p{L}\p{N}])`;
const PLAIN = String.raw`\d{${NUMBER_DIGITS},}`;
const NUMBER_LIKE = new RegExp(`${GUID}|${HEX_WORD}|${FORMATTED}|${PLAIN}`, 'gu');

function maskNumbers(text: string): string {
  return text.replace(NUMBER_LIKE, (found) =>
    !IS_GUID.test(found) && !/[A-Fa-f]/.test(found) && found.replace(/\D/g, '').length >= NUMBER_DIGITS
      ? maskPhone(found)
      : found,
  );
}

function capString(text: string): string {
  const masked = maskNumbers(text);
  if (masked.length <= LOG_FIELD_MAX) return masked;
  // Not in the middle of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(masked[LOG_FIELD_MAX - 1]) ? LOG_FIELD_MAX - 1 : LOG_FIELD_MAX;
  return `${masked.slice(0, end)}…[${masked.length - end} more]`;
}

const MAX_DEPTH = 4;
const MAX_ITEMS = 20;

function capValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return capString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) < 10 ** (NUMBER_DIGITS - 1)) return value;
    return maskPhone(BigInt(Math.trunc(value)).toString());
  }
  if (typeof value === 'bigint') return maskPhone(value.toString());
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => capValue(v, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `…[${value.length - MAX_ITEMS} more]`] : items;
  }
  if (value instanceof Date) return value;
  if (value instanceof Error) return value.name;
  return capProps(value as Record<string, unknown>, depth + 1);
}

function capProps(props: Record<string, unknown>, depth: number): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, capValue(v, depth)]));
}

/**
 * What a log line may carry of its fields: strings cut at `LOG_FIELD_MAX`, numbers long enough to be a phone
 * number masked to their last four digits (in strings too), nesting and lists bounded. The one place this is
 * done: the logger adapters call it, so no log call can forget it.
 */
export function capLogFields(props: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return props === undefined ? undefined : capProps(props, 0);
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** One console log line: `<level> <message> <capped fields as JSON>`. */
export function formatLogLine(level: string, message: string, props?: Record<string, unknown>): string {
  return `${level} ${message}${props && Object.keys(props).length ? ' ' + JSON.stringify(capLogFields(props)) : ''}`;
}

export function consoleLogger(prefix = ''): Logger {
  const line = (level: string, message: string, props?: Record<string, unknown>) =>
    `${prefix}${formatLogLine(level, message, props)}`;
  return {
    info: (m, p) => console.log(line('info', m, p)),
    warn: (m, p) => console.warn(line('warn', m, p)),
    error: (m, p) => console.error(line('error', m, p)),
  };
}
