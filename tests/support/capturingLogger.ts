import { formatLogLine, type Logger } from '../../shared/log';
import { auditLogLine } from './logAudit';

/** Formats each line as the console adapter does (fields capped, numbers masked) and audits it before `keep`. */
function auditingLogger(keep: (line: string) => void): Logger {
  const write = (level: string) => (message: string, props?: Record<string, unknown>) => {
    const line = formatLogLine(level, message, props);
    auditLogLine(line);
    keep(line);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** A logger that keeps each line as production would write it, for tests that read the logs. */
export function capturingLogger(lines: string[]): Logger {
  return auditingLogger((line) => lines.push(line));
}

/** Keeps nothing, but every line still goes through the log audit: the tests' stand-in for `silentLogger`. */
export const auditedLogger: Logger = auditingLogger(() => {});

/** Renders a Functions log call as one line and audits it: for `new InvocationContext({ logHandler })`. */
export function auditedLogHandler(keep: (line: string) => void = () => {}) {
  return (_level: string, ...args: unknown[]): void => {
    const line = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    auditLogLine(line);
    keep(line);
  };
}
