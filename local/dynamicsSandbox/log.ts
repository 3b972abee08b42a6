/**
 * The sandbox's own logging shape (structurally the project's Logger, so a host can pass its logger in) and the
 * phone mask its log lines use. Kept here so the sandbox imports nothing of the project it stands in for.
 */
export interface Logger {
  info(message: string, props?: Record<string, unknown>): void;
  warn(message: string, props?: Record<string, unknown>): void;
  error(message: string, props?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** All but the last four digits masked. */
export function maskPhone(value: string | undefined): string {
  if (!value) return '';
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  return '*'.repeat(digits.length - 4) + digits.slice(-4);
}

/** Anything from outside that reaches a log line is cut to this many characters. */
export function capped(value: unknown, max = 120): string {
  const text = typeof value === 'string' ? value : String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
