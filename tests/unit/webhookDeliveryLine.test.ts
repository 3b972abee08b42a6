import {
  deliveryLine,
  deliverySummary,
  localEndpointsSetting,
  refusedLine,
  TEXT_SHOWN,
} from '../../local/webhookDeliveryLine';
import type { ReceivedDelivery } from '../../local/webhookReceiver';
import { readWebhookEndpoints } from '../../shared/webhooks/endpointSettings';
import { leaksIn } from '../support/logAudit';

const receivedAt = new Date('2026-12-07T18:51:02.123Z');
const delivery = (type: string, data: object, more: Partial<ReceivedDelivery> = {}): ReceivedDelivery => ({
  id: 'ce-0123abcd',
  timestamp: receivedAt,
  type,
  payload: { type, timestamp: receivedAt.toISOString(), data },
  receivedAt,
  path: '/',
  duplicate: false,
  ...more,
});
const customer = { digits: '15555550100', e164: '+15555550100' };
const support = { digits: '14252306549', e164: '+14252306549' };

describe('the line `webhooks listen` prints for a delivery', () => {
  it('gives the time, the type, the webhook-id and the ids, with the numbers masked', () => {
    const line = deliveryLine(
      delivery('message.received', {
        conversationId: 'conv-1',
        threadId: 't-1',
        messageId: 'msg-1',
        from: customer,
        to: support,
        text: 'Hi, my order has not arrived',
      }),
    );
    expect(line).toBe(
      '18:51:02.123Z  message.received  ce-0123abcd  conversation conv-1  message msg-1  from *******0100  to *******6549  "Hi, my order has not arrived"',
    );
    expect(leaksIn(line)).toEqual([]);
  });

  it('shows a status or a state, and a customer', () => {
    expect(deliverySummary({ conversationId: 'c', messageId: 'm', previousStatus: 'sent', status: 'delivered' })).toBe(
      'conversation c  message m  status delivered',
    );
    expect(deliverySummary({ conversationId: 'c', previousState: 'open', state: 'active', agentId: 'a' })).toBe(
      'conversation c  state active',
    );
    expect(deliverySummary({ conversationId: 'c', state: 'open', customer, supportNumber: support })).toBe(
      'conversation c  state open  customer *******0100',
    );
    expect(deliverySummary({ conversationId: 'c', customer, consent: 'opted_out', keyword: 'STOP' })).toBe(
      'conversation c  consent opted_out  customer *******0100',
    );
  });

  it(`cuts the text at ${TEXT_SHOWN} characters and masks the numbers in it`, () => {
    const summary = deliverySummary({ text: `Call me at +1 555 555 0100 ${'please '.repeat(20)}` });
    const shown = JSON.parse(summary) as string;
    expect([...shown]).toHaveLength(TEXT_SHOWN);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown).toMatch(/^Call me at \S*0100 please/);
    expect(leaksIn(summary)).toEqual([]);
  });

  it('keeps emoji whole when it cuts', () => {
    const shown = JSON.parse(deliverySummary({ text: '😀'.repeat(100) })) as string;
    expect([...shown]).toHaveLength(TEXT_SHOWN);
    expect(shown).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('says when the webhook-id came before, and what a failing endpoint answered', () => {
    const d = delivery('message.sent', { messageId: 'm', status: 'queued' }, { duplicate: true });
    expect(deliveryLine(d)).toMatch(/ {2}\(duplicate\)$/);
    expect(deliveryLine(d, 204)).toMatch(/\(duplicate\)$/);
    expect(deliveryLine(d, 500)).toMatch(/\(duplicate\) {2}answered 500$/);
  });

  it('copes with a payload without type or data', () => {
    expect(deliveryLine({ ...delivery('', {}), payload: [1, 2] })).toBe('18:51:02.123Z  (no type)  ce-0123abcd');
    expect(deliverySummary(null)).toBe('');
  });
});

describe('the line for a refused delivery', () => {
  it('gives the status, the webhook-id and the reason, masking what the sender chose', () => {
    expect(
      refusedLine({
        reason: 'Not verified: Message timestamp too old.',
        status: 401,
        id: 'ce-1',
        path: '/',
        receivedAt,
      }),
    ).toBe('18:51:02.123Z  refused 401  (webhook-id ce-1)  Not verified: Message timestamp too old.');
    const line = refusedLine({
      reason: 'GET /15555550100: a webhook delivery is a POST.',
      status: 405,
      path: '/15555550100',
      receivedAt,
    });
    expect(line).toMatch(/^18:51:02\.123Z {2}refused 405 {2}GET \/\*+0100: a webhook delivery is a POST\.$/);
    expect(leaksIn(line)).toEqual([]);
  });
});

describe('the WEBHOOK_ENDPOINTS value to point a local run at the receiver', () => {
  it('is one endpoint named local for every event type, as a local run reads it', () => {
    const value = localEndpointsSetting('http://127.0.0.1:7074/', 'webhook-local');
    expect(value).toBe('[{"name":"local","url":"http://127.0.0.1:7074/","secretName":"webhook-local","events":["*"]}]');
    expect(readWebhookEndpoints({ WEBHOOK_ENDPOINTS: value }, { local: true })).toEqual([
      { name: 'local', url: 'http://127.0.0.1:7074/', secretName: 'webhook-local', events: ['*'] },
    ]);
  });
});
