/**
 * Which delivery reports a destination number gets. Numbers are fictional 555-01xx (NANP reserves 555-0100..0199
 * for fiction); any number not listed gets the default 203 then 200.
 */
export interface ReportStep {
  code: number;
  description: string;
}

export interface TestNumber {
  phoneNumber: string;
  reports: ReportStep[];
  meaning: string;
}

const GATEWAY: ReportStep = { code: 203, description: 'Delivered to gateway' };
const HANDSET: ReportStep = { code: 200, description: 'Delivered to handset' };

export const defaultReports: readonly ReportStep[] = [GATEWAY, HANDSET];

export const sandboxTestNumbers: readonly TestNumber[] = [
  {
    phoneNumber: '15555550111',
    reports: [GATEWAY, { code: 211, description: 'Permanent phone error' }],
    meaning: 'failed (permanent)',
  },
  {
    phoneNumber: '15555550122',
    reports: [GATEWAY, { code: 221, description: 'Message expired before delivery' }],
    meaning: 'expired',
  },
  {
    phoneNumber: '15555550133',
    reports: [{ code: 250, description: 'Final status unknown' }],
    meaning: 'unknown (final)',
  },
  {
    phoneNumber: '15555550144',
    reports: [{ code: 230, description: 'Message blocked by Telesign' }],
    meaning: 'blocked',
  },
  { phoneNumber: '15555550155', reports: [], meaning: 'no report ever (status stays 290)' },
];

/** Matched on the last four digits, so the scenario works with any country code in front. */
export function reportsFor(phoneNumber: string): readonly ReportStep[] {
  const match = sandboxTestNumbers.find(
    (n) => phoneNumber.length >= 8 && phoneNumber.endsWith(n.phoneNumber.slice(-4)),
  );
  return match ? match.reports : defaultReports;
}
