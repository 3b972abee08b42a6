import { type ChannelEvent, channelEventSchema } from '../../shared/domain/channelEvents';

/** Channel events as the builders make them, for the webhook payload and schema tests: each goes through the schema. */
export const customer = { digits: '15555550100', e164: '+15555550100' };
export const support = { digits: '14252306549', e164: '+14252306549' };
export const base = {
  schemaVersion: 1,
  id: 'ce-0123456789abcdef0123456789abcdef01234567',
  at: '2026-12-07T10:00:00.000Z',
  account: 'TELESIGN-CUSTOMER-ID',
  threadId: 'T1abcdefghijklmnopqrst',
  conversationId: 'T1abcdefghijklmnopqrst.2',
};
export const event = (fields: Record<string, unknown>): ChannelEvent =>
  channelEventSchema.parse({ ...base, ...fields });
