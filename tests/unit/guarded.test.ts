import { HttpRequest, InvocationContext } from '@azure/functions';

import { guarded } from '../../functions/support/guarded';
import { ConfigError } from '../../shared/config';
import { auditedLogHandler } from '../support/capturingLogger';

function context(lines: string[]) {
  return new InvocationContext({
    functionName: 'sendSms',
    logHandler: auditedLogHandler((line) => lines.push(line)),
  });
}
const request = new HttpRequest({ method: 'POST', url: 'http://localhost/api/messages' });

describe('HTTP entry points', () => {
  it('answer an unexpected error with 500 internal_error and log its name only', async () => {
    const lines: string[] = [];
    const handler = guarded(async () => {
      throw new TypeError('cannot read customer 15555550100');
    });
    const response = await handler(request, context(lines));
    expect(response).toMatchObject({ status: 500, jsonBody: { error: { code: 'internal_error' } } });
    expect(lines.join('\n')).toContain('TypeError');
    expect(lines.join('\n')).not.toContain('15555550100');
  });

  it('log a settings error whole, so the operator sees which setting to fix', async () => {
    const lines: string[] = [];
    const handler = guarded(async () => {
      throw new ConfigError('Setting TELESIGN_ACCOUNTS is missing.');
    });
    expect((await handler(request, context(lines))).status).toBe(500);
    expect(lines.join('\n')).toContain('Setting TELESIGN_ACCOUNTS is missing.');
  });
});
