import { createHmac } from 'node:crypto';

/**
 * Two Telesign accounts as a multi-account deployment configures them, and callback signing written from
 * docs/telesign-protocol.md §Callback signature directly (not through the code under test).
 */
export const account1 = {
  customerId: 'FFFFFFFF-EEEE-DDDD-1234-AB1234567890',
  apiKey: 'VGVzdCBLZXk=',
  apiKeySecretName: 'telesign-api-key-main',
  defaultSupportNumber: '14252306549',
  supportNumbers: [
    { number: '+1 425 230 6549', type: 'longcode', description: 'Support line', defaultLanguage: 'en-US' },
    { number: '18005550199', type: 'tollfree', description: 'Toll-free line' },
  ],
};

export const account2 = {
  customerId: '11111111-2222-3333-4444-555555555555',
  apiKey: Buffer.from('Second account key, 32 bytes!!!!').toString('base64'),
  apiKeySecretName: 'telesign-api-key-eu',
  defaultSupportNumber: '447700900123',
  supportNumbers: [{ number: '+44 7700 900123', type: 'longcode', description: 'UK line', defaultLanguage: 'en-GB' }],
};

export const accountsSetting = (...accounts: Array<typeof account1>) =>
  JSON.stringify(accounts.map(({ apiKey: _key, ...rest }) => rest));

export const localSecrets = (...accounts: Array<typeof account1>) =>
  Object.fromEntries(accounts.map((a) => [a.apiKeySecretName, a.apiKey]));

export function signBody(apiKey: string, body: string | Buffer): string {
  return createHmac('sha256', Buffer.from(apiKey, 'base64')).update(body).digest('base64');
}

export function callbackHeaders(customerId: string, apiKey: string, body: string | Buffer): Record<string, string> {
  const signature = signBody(apiKey, body);
  return {
    'content-type': 'application/json',
    authorization: `TSA ${customerId}:${signature}`,
    'x-ts-authorization': signature,
  };
}

export const CUSTOMER = '15555550100';

export function inboundSmsBody(
  overrides: { from?: string; to?: string; text?: string; referenceId?: string } = {},
): string {
  return JSON.stringify({
    status: { updated_on: '2017-01-27T19:46:55.787464Z', code: 1500, description: 'Delivered to customer' },
    submit_timestamp: '2017-01-27T19:46:55.778000Z',
    errors: [],
    user_response: {
      phone_number: overrides.from ?? CUSTOMER,
      iso_country_code: 'US',
      sender_id: overrides.to ?? '14252306549',
      mo_message: overrides.text ?? 'Hi, my order has not arrived',
    },
    sub_resource: 'mo_sms',
    reference_id: overrides.referenceId ?? '0143D53D86A2030BE20025B600000002',
  });
}

export function deliveryReportBody(
  overrides: {
    code?: number;
    description?: string;
    updatedOn?: string;
    referenceId?: string;
    partsCount?: number | string;
  } = {},
): string {
  return JSON.stringify({
    status: {
      code: overrides.code ?? 200,
      description: overrides.description ?? 'Delivered to handset',
      updated_on: overrides.updatedOn ?? '2016-10-21T14:05:36.181346Z',
    },
    errors: [],
    sub_resource: 'sms',
    additional_info: {
      mcc: '310',
      mnc: '004',
      price: '0.01',
      currency: 'USD',
      message_parts_count: overrides.partsCount ?? 2,
      message_parts_reference_ids: '35E63E88CB000E049196AD1CFCFFB89C,35E63E88CC7C050491613443467F3F12',
    },
    reference_id: overrides.referenceId ?? '0123456789ABCDEF0123456789ABCDEF',
  });
}
