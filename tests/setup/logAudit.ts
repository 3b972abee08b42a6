/**
 * Runs in every test file (jest.config.js setupFilesAfterEnv): what the code logs through the console is audited
 * as test loggers' lines are (tests/support/logAudit.ts), and a file whose logs leaked fails in afterAll. With
 * TEST_FIGURES_FILE set, each file's figures are appended there (npm run test:faults sums them).
 */
import { format } from 'node:util';

import { recordFigures } from '../support/figures';
import { auditFigures, auditLogLine } from '../support/logAudit';

for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    auditLogLine(format(...args));
    original(...args);
  };
}

afterAll(() => {
  const { lines, leaks } = auditFigures();
  recordFigures('logAudit', { 'log lines audited': lines, 'log leaks': leaks.length });
  if (leaks.length > 0)
    throw new Error(
      `${leaks.length} log line(s) leaked:\n${leaks
        .slice(0, 10)
        .map((l) => `  ${l.kind}: ${l.line.slice(0, 300)}`)
        .join('\n')}`,
    );
});
