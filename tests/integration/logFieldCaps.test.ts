jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { SANDBOX_ACCOUNT } from '../../local/localSettings';
import { LOG_FIELD_MAX } from '../../shared/log';
import { type ChannelHarness, eventually, startChannelHarness } from '../support/channelHarness';
import { callbackHeaders } from '../support/telesignFixtures';

/**
 * What Telesign sends ends up in log lines (a delivery report's `reference_id` is logged by the function that
 * receives it and by the router). Through the local channel: such a field is cut to LOG_FIELD_MAX with a marker,
 * and a phone number inside it is masked to its last four digits.
 */
let h: ChannelHarness;
beforeAll(async () => {
  h = await startChannelHarness();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

const PHONE = '15555550123';

async function deliveryReport(referenceId: string) {
  const body = JSON.stringify({
    reference_id: referenceId,
    status: { code: 200, description: 'Delivered to handset', updated_on: '2026-01-02T03:04:05.000000Z' },
    errors: [],
  });
  const response = await fetch(`${h.channel.http.url}/api/telesign/callback`, {
    method: 'POST',
    headers: callbackHeaders(SANDBOX_ACCOUNT.customerId, SANDBOX_ACCOUNT.apiKey, body),
    body,
  });
  expect(response.status).toBe(200);
}

/** The string values of the JSON fields at the end of a log line. */
function fieldsOf(line: string): string[] {
  const json = line.slice(line.indexOf('{'));
  const values: string[] = [];
  JSON.parse(json, (_key, value) => {
    if (typeof value === 'string') values.push(value);
    return value;
  });
  return values;
}

it('logs a long reference_id holding a phone number cut and masked', async () => {
  const referenceId = `REF ${PHONE} ${'Z'.repeat(600)}`;
  await deliveryReport(referenceId);
  const parked = await eventually(
    async () => h.logs.filter((l) => l.includes('delivery report parked')),
    (lines) => lines.length > 0,
  );
  expect(parked).toHaveLength(1);
  const ref = fieldsOf(parked[0]).find((v) => v.startsWith('REF '));
  expect(ref).toBe(
    `REF *******0123 ${'Z'.repeat(LOG_FIELD_MAX - 'REF *******0123 '.length)}…[${600 - (LOG_FIELD_MAX - 'REF *******0123 '.length)} more]`,
  );
  expect(h.logs.join('\n')).not.toContain(PHONE);
  expect(h.logs.join('\n')).not.toContain('Z'.repeat(LOG_FIELD_MAX));
});

it("leaves a reference_id of Telesign's own form as it is", async () => {
  const referenceId = '0123456789ABCDEF0123456789ABCDEF';
  await deliveryReport(referenceId);
  const parked = await eventually(
    async () => h.logs.filter((l) => l.includes('delivery report parked') && l.includes(referenceId)),
    (lines) => lines.length > 0,
  );
  expect(parked).toHaveLength(1);
});
