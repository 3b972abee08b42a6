/**
 * The logging port. Entry points adapt the Functions `InvocationContext` (or the console) to it, so services
 * never depend on the host. Callers pass phone numbers through `maskPhone` before they reach a log line.
 */
export interface Logger {
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

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export function consoleLogger(prefix = ''): Logger {
  const line = (level: string, message: string, props?: Record<string, unknown>) =>
    `${prefix}${level} ${message}${props && Object.keys(props).length ? ' ' + JSON.stringify(props) : ''}`;
  return {
    info: (m, p) => console.log(line('info', m, p)),
    warn: (m, p) => console.warn(line('warn', m, p)),
    error: (m, p) => console.error(line('error', m, p)),
  };
}
