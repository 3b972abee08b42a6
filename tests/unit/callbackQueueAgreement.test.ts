import { loadConfig } from '../../shared/config';
import {
  clipText,
  FIELD_MAX,
  type InboundEvent,
  inboundEventSchema,
  REFERENCE_ID_MAX,
  TEXT_MAX,
} from '../../shared/domain/inboundEvent';
import { parseQueueBody } from '../../shared/domain/queueBody';
import { parseCallback } from '../../shared/telesign/callbackParser';
import {
  account1,
  accountsSetting,
  deliveryReportBody,
  inboundSmsBody,
  localSecrets,
} from '../support/telesignFixtures';

/**
 * The callback parser and the queue schema agree: whatever the parser queues, the router's trigger reads back
 * (parseQueueBody over the JSON Service Bus carries), unchanged.
 */
const account = loadConfig({
  TELESIGN_ACCOUNTS: accountsSetting(account1),
  LOCAL_SECRETS: JSON.stringify(localSecrets(account1)),
  ServiceBusConnection: 'Endpoint=sb://localhost;SharedAccessKeyName=x;SharedAccessKey=y;UseDevelopmentEmulator=true',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
}).accounts[0];
const receivedAt = '2026-11-27T10:00:00.000Z';

function throughTheQueue(raw: string): { queued: InboundEvent; read: InboundEvent } {
  const { event: queued } = parseCallback(raw, JSON.parse(raw), { account, receivedAt });
  const read = parseQueueBody(Buffer.from(JSON.stringify(queued)));
  expect(read).toEqual(queued);
  return { queued, read };
}

/** A delivery report body with `status.code` (or another field) spliced in as raw JSON text. */
const reportWith = (path: 'code' | 'parts' | 'errorCode', literal: string) => {
  const body = deliveryReportBody({ code: 777_777, partsCount: 555_555 });
  if (path === 'code') return body.replace('777777', literal);
  if (path === 'parts') return body.replace('555555', literal);
  return body.replace('"errors":[]', `"errors":[{"code":${literal},"description":"Unknown"}]`);
};

describe('integers: what the parser reads as a number, the queue carries exactly', () => {
  it.each([
    ['a JSON number beyond Number.MAX_SAFE_INTEGER', '1152921504606846976'],
    ['MAX_SAFE_INTEGER + 1', String(Number.MAX_SAFE_INTEGER + 1)],
    ['a digit string beyond it', '"12345678901234567890"'],
    ['a digit string that reads as Infinity', `"${'9'.repeat(400)}"`],
    ['a JSON number that reads as Infinity', '1e400'],
  ])('a status code that is %s keeps the callback as unrecognized, raw body and all', (_what, literal) => {
    const raw = reportWith('code', literal);
    const { read } = throughTheQueue(raw);
    expect(read).toMatchObject({ type: 'callback.unrecognized', rawBody: raw });
  });

  it('a status code of MAX_SAFE_INTEGER, as a number or as digits, is still a report', () => {
    for (const literal of [String(Number.MAX_SAFE_INTEGER), `"${Number.MAX_SAFE_INTEGER}"`, '" 200 "']) {
      const { read } = throughTheQueue(reportWith('code', literal));
      expect(read).toMatchObject({ type: 'delivery.reported' });
    }
  });

  it.each([['1152921504606846976'], [`"${'9'.repeat(400)}"`], ['1e400']])(
    'a message_parts_count of %s is left out; the report is kept',
    (literal) => {
      const { read } = throughTheQueue(reportWith('parts', literal));
      expect(read).toMatchObject({ type: 'delivery.reported', statusCode: 777_777 });
      expect(read).not.toHaveProperty('messagePartsCount', expect.anything());
    },
  );

  it('an error code JSON cannot carry (Infinity) is left out; one it can is kept as given', () => {
    expect(throughTheQueue(reportWith('errorCode', '1e400')).read).toMatchObject({
      type: 'delivery.reported',
      errors: [{ description: 'Unknown' }],
    });
    expect(throughTheQueue(reportWith('errorCode', '"E1"')).read).toMatchObject({ errors: [{ code: 'E1' }] });
    expect(throughTheQueue(reportWith('errorCode', '10033')).read).toMatchObject({ errors: [{ code: 10033 }] });
  });
});

describe('free text: cut to its bound with a marker, the same on both sides', () => {
  it('cuts an inbound text over TEXT_MAX and says how long it was', () => {
    const { read } = throughTheQueue(inboundSmsBody({ text: 'a'.repeat(40_000) }));
    if (read.type !== 'message.received') throw new Error(read.type);
    expect(read.text.length).toBe(TEXT_MAX);
    expect(read.text.endsWith(' […cut: 40000 characters in all]')).toBe(true);
    expect(read.text.startsWith('a'.repeat(TEXT_MAX - 40))).toBe(true);
  });

  it('keeps a text at the bound whole', () => {
    const { read } = throughTheQueue(inboundSmsBody({ text: 'b'.repeat(TEXT_MAX) }));
    expect(read).toMatchObject({ text: 'b'.repeat(TEXT_MAX) });
  });

  it('never cuts a surrogate pair in two', () => {
    const cut = clipText('😀'.repeat(20_000), TEXT_MAX);
    expect(cut.length).toBeLessThanOrEqual(TEXT_MAX);
    expect(/[\uD800-\uDFFF]/u.test(cut)).toBe(false);
  });

  it('cuts the short fields (description, raw times, country, error text) at FIELD_MAX', () => {
    const body = JSON.parse(deliveryReportBody({ description: 'd'.repeat(5000), updatedOn: 't'.repeat(5000) }));
    body.errors = [{ code: 'c'.repeat(5000), description: 'e'.repeat(5000) }];
    const { read } = throughTheQueue(JSON.stringify(body));
    if (read.type !== 'delivery.reported') throw new Error(read.type);
    for (const value of [read.statusDescription, read.updatedOnRaw, read.errors[0].code, read.errors[0].description])
      expect(String(value).length).toBe(FIELD_MAX);
    const sms = JSON.parse(inboundSmsBody());
    sms.submit_timestamp = 's'.repeat(5000);
    sms.user_response.iso_country_code = 'U'.repeat(5000);
    const inbound = throughTheQueue(JSON.stringify(sms)).read;
    expect(inbound).toMatchObject({ type: 'message.received' });
    if (inbound.type !== 'message.received') return;
    expect([inbound.telesignTimestamp?.length, inbound.isoCountryCode?.length]).toEqual([FIELD_MAX, FIELD_MAX]);
  });

  it('gives a report whose raw time was cut the id of the whole callback: a retry is the same event, another is not', () => {
    const long = deliveryReportBody({ updatedOn: 'T'.repeat(3000) + 'one' });
    const other = deliveryReportBody({ updatedOn: 'T'.repeat(3000) + 'two' });
    expect(throughTheQueue(long).read.eventId).toBe(throughTheQueue(long).read.eventId);
    expect(throughTheQueue(long).read.eventId).not.toBe(throughTheQueue(other).read.eventId);
  });

  it('cuts an event an earlier deployment queued unbounded when the trigger reads it', () => {
    const { queued } = throughTheQueue(inboundSmsBody());
    const old = { ...queued, text: 'x'.repeat(50_000) };
    const read = parseQueueBody(JSON.stringify(old));
    expect(read).toMatchObject({ type: 'message.received' });
    expect((read as { text: string }).text.length).toBe(TEXT_MAX);
  });
});

describe('reference ids', () => {
  it('keeps a long reference (over the old ~380-character limit) as a report', () => {
    for (const length of [381, 400, REFERENCE_ID_MAX]) {
      const { read } = throughTheQueue(deliveryReportBody({ referenceId: 'r'.repeat(length) }));
      expect(read).toMatchObject({ type: 'delivery.reported', referenceId: 'R'.repeat(length) });
    }
  });

  it('keeps a callback whose reference is too long to be an identifier as unrecognized', () => {
    const raw = deliveryReportBody({ referenceId: 'r'.repeat(REFERENCE_ID_MAX + 1) });
    const { read } = throughTheQueue(raw);
    expect(read).toMatchObject({ type: 'callback.unrecognized', rawBody: raw });
    expect((read as { reason: string }).reason).toMatch(
      /^a delivery report that the queue schema refuses \(referenceId/,
    );
    const sms = throughTheQueue(inboundSmsBody({ referenceId: 'q'.repeat(5000) })).read;
    expect(sms).toMatchObject({ type: 'callback.unrecognized' });
  });
});

describe('whatever the body', () => {
  it('every event the parser makes of odd bodies is one the queue schema reads unchanged', () => {
    const oddValues: unknown[] = [
      null,
      true,
      -0,
      1.5,
      2 ** 53,
      -(2 ** 60),
      1e308,
      '',
      ' ',
      '-12',
      '00012',
      '1e3',
      '9'.repeat(400),
      'x'.repeat(40_000),
      '\uD800',
      [],
      {},
    ];
    let tried = 0;
    for (const value of oddValues) {
      for (const place of ['code', 'description', 'updated_on', 'parts', 'reference', 'text', 'phone', 'errors']) {
        const report = JSON.parse(deliveryReportBody());
        const sms = JSON.parse(inboundSmsBody());
        if (place === 'code') report.status.code = value;
        if (place === 'description') report.status.description = value;
        if (place === 'updated_on') report.status.updated_on = value;
        if (place === 'parts') report.additional_info.message_parts_count = value;
        if (place === 'reference') report.reference_id = value;
        if (place === 'errors') report.errors = [{ code: value, description: value }, value];
        if (place === 'text') sms.user_response.mo_message = value;
        if (place === 'phone') sms.user_response.phone_number = value;
        for (const body of [report, sms]) {
          const raw = JSON.stringify(body);
          const { event } = parseCallback(raw, JSON.parse(raw), { account, receivedAt });
          const parsed = inboundEventSchema.safeParse(JSON.parse(JSON.stringify(event)));
          expect([place, value, parsed.success]).toEqual([place, value, true]);
          if (parsed.success) expect(parsed.data).toEqual(event);
          tried++;
        }
      }
    }
    expect(tried).toBe(oddValues.length * 8 * 2);
  });
});
