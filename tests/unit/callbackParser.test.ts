import { loadConfig } from '../../shared/config';
import { inboundEventSchema } from '../../shared/domain/inboundEvent';
import { threadIdOf } from '../../shared/domain/threadId';
import { parseCallback } from '../../shared/telesign/callbackParser';
import {
  account1,
  accountsSetting,
  CUSTOMER,
  deliveryReportBody,
  inboundSmsBody,
  localSecrets,
} from '../support/telesignFixtures';

const config = loadConfig({
  TELESIGN_ACCOUNTS: accountsSetting(account1),
  LOCAL_SECRETS: JSON.stringify(localSecrets(account1)),
  ServiceBusConnection: 'Endpoint=sb://localhost;SharedAccessKeyName=x;SharedAccessKey=y;UseDevelopmentEmulator=true',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
});
const account = config.accounts[0];
const parse = (body: string) => {
  const queued = parseCallback(body, JSON.parse(body), { account, receivedAt: '2026-11-27T10:00:00.000Z' });
  expect(inboundEventSchema.safeParse(queued.event).success).toBe(true);
  return queued;
};

describe('inbound SMS callbacks', () => {
  it("becomes message.received in the thread's session", () => {
    const { event, sessionId, messageId } = parse(inboundSmsBody());
    const threadId = threadIdOf(account1.customerId, '14252306549', CUSTOMER);
    expect(event).toMatchObject({
      type: 'message.received',
      account: account1.customerId,
      from: CUSTOMER,
      to: '14252306549',
      text: 'Hi, my order has not arrived',
      referenceId: '0143D53D86A2030BE20025B600000002',
      threadId,
      isoCountryCode: 'US',
      telesignTimestamp: '2017-01-27T19:46:55.778000Z',
    });
    expect(sessionId).toBe(threadId);
    expect(messageId).toBe(event.eventId);
  });

  it("falls back to the account's default number when sender_id is empty", () => {
    const { event } = parse(inboundSmsBody({ to: '' }));
    expect(event).toMatchObject({ type: 'message.received', to: account1.defaultSupportNumber });
  });

  it('is recognised by user_response alone, and tolerates a missing country code', () => {
    const body = JSON.parse(inboundSmsBody());
    delete body.sub_resource;
    delete body.user_response.iso_country_code;
    const { event } = parse(JSON.stringify(body));
    expect(event.type).toBe('message.received');
  });

  it('gives a retry the same id, and another message another id', () => {
    expect(parse(inboundSmsBody()).messageId).toBe(parse(inboundSmsBody()).messageId);
    expect(parse(inboundSmsBody({ referenceId: 'AB' })).messageId).not.toBe(parse(inboundSmsBody()).messageId);
  });

  it('treats reference ids case-insensitively', () => {
    const upper = parse(inboundSmsBody({ referenceId: '0143D53D86A2030BE20025B6000000AB' }));
    const lower = parse(inboundSmsBody({ referenceId: '0143d53d86a2030be20025b6000000ab' }));
    expect(lower.messageId).toBe(upper.messageId);
    expect(lower.event).toMatchObject({ referenceId: '0143D53D86A2030BE20025B6000000AB' });
  });

  it("keeps a message without the customer's number as unrecognized, with its raw body", () => {
    const body = JSON.parse(inboundSmsBody());
    delete body.user_response.phone_number;
    const raw = JSON.stringify(body);
    expect(parse(raw).event).toMatchObject({ type: 'callback.unrecognized', rawBody: raw });
  });
});

describe('delivery report callbacks', () => {
  it('becomes delivery.reported in a session keyed by its reference', () => {
    const { event, sessionId } = parse(deliveryReportBody());
    expect(event).toMatchObject({
      type: 'delivery.reported',
      referenceId: '0123456789ABCDEF0123456789ABCDEF',
      statusCode: 200,
      statusDescription: 'Delivered to handset',
      updatedOn: '2016-10-21T14:05:36.181Z',
      updatedOnRaw: '2016-10-21T14:05:36.181346Z',
      messagePartsCount: 2,
    });
    expect(sessionId).toBe('ref-0123456789ABCDEF0123456789ABCDEF');
  });

  it('reads updated_on in RFC 1123 form too', () => {
    const { event } = parse(deliveryReportBody({ updatedOn: 'Thu, 23 Jun 2022 19:03:44 GMT' }));
    expect(event).toMatchObject({
      updatedOn: '2022-06-23T19:03:44.000Z',
      updatedOnRaw: 'Thu, 23 Jun 2022 19:03:44 GMT',
    });
  });

  it('keeps an unreadable updated_on raw', () => {
    const { event } = parse(deliveryReportBody({ updatedOn: 'yesterday-ish' }));
    expect(event).toMatchObject({ type: 'delivery.reported', updatedOnRaw: 'yesterday-ish' });
    expect(event).not.toHaveProperty('updatedOn', expect.anything());
  });

  it('reads message_parts_count as a string too', () => {
    expect(parse(deliveryReportBody({ partsCount: '3' })).event).toMatchObject({ messagePartsCount: 3 });
  });

  it('gives a retry the same id and a new status a new id', () => {
    const first = parse(deliveryReportBody({ code: 203, updatedOn: '2016-10-21T14:05:30Z' }));
    expect(parse(deliveryReportBody({ code: 203, updatedOn: '2016-10-21T14:05:30Z' })).messageId).toBe(first.messageId);
    expect(parse(deliveryReportBody({ code: 200 })).messageId).not.toBe(first.messageId);
  });

  it('works without the optional fields', () => {
    const raw = '{"status":{"code":"200","description":"Delivered to handset"},"reference_id":"ab12"}';
    expect(parse(raw).event).toMatchObject({
      type: 'delivery.reported',
      statusCode: 200,
      referenceId: 'AB12',
      errors: [],
    });
  });
});

describe('anything else that is authentic', () => {
  it.each([
    ['an unknown shape', '{"hello":"world"}'],
    ['an array', '[1,2,3]'],
    ['a report with a non-numeric code', '{"status":{"code":"soon"},"reference_id":"AB"}'],
  ])('keeps %s as callback.unrecognized with its raw body', (_name, raw) => {
    const { event, sessionId } = parse(raw);
    expect(event).toMatchObject({ type: 'callback.unrecognized', rawBody: raw });
    expect(sessionId).toBe(event.eventId);
  });
});
