/** JSON bodies of the callbacks Telesign sends (docs/telesign-protocol.md §Delivery reports, §Inbound SMS). */
import { newReferenceId, rfc3339 } from './telesignBodies';

export function deliveryReportPayload(input: {
  referenceId: string;
  code: number;
  description: string;
  updatedOn: string;
  partsCount: number;
}): Record<string, unknown> {
  return {
    status: { code: input.code, description: input.description, updated_on: input.updatedOn },
    errors: [],
    sub_resource: 'sms',
    additional_info: {
      mcc: '310',
      mnc: '004',
      price: (0.01 * input.partsCount).toFixed(2),
      currency: 'USD',
      message_parts_count: input.partsCount,
      message_parts_reference_ids: Array.from({ length: input.partsCount }, () => newReferenceId()).join(','),
    },
    reference_id: input.referenceId,
  };
}

// Only a few prefixes: iso_country_code may be missing (docs/telesign-protocol.md §Inbound SMS), so leaving it out
// elsewhere is realistic.
const COUNTRY_PREFIXES: Array<[string, string]> = [
  ['44', 'GB'],
  ['33', 'FR'],
  ['49', 'DE'],
  ['1', 'US'],
];

export function inboundSmsPayload(input: {
  referenceId: string;
  from: string;
  to: string;
  text: string;
}): Record<string, unknown> {
  const now = rfc3339();
  const country = COUNTRY_PREFIXES.find(([prefix]) => input.from.startsWith(prefix))?.[1];
  const userResponse: Record<string, string> = { phone_number: input.from };
  if (country) userResponse.iso_country_code = country;
  userResponse.sender_id = input.to;
  userResponse.mo_message = input.text;
  return {
    status: { updated_on: now, code: 1500, description: 'Delivered to customer' },
    submit_timestamp: now,
    errors: [],
    user_response: userResponse,
    sub_resource: 'mo_sms',
    reference_id: input.referenceId,
  };
}
