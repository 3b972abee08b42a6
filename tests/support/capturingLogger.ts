import type { Logger } from '../../shared/log';

/** A logger that keeps each line as `<level> <message> <props as JSON>`, for tests that read the logs. */
export function capturingLogger(lines: string[]): Logger {
  const write = (level: string) => (message: string, props?: Record<string, unknown>) =>
    lines.push(`${level} ${message}${props ? ' ' + JSON.stringify(props) : ''}`);
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
