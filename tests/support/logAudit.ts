/**
 * The log audit of issue 12: every line the code under test logs, through a test logger or the console, is
 * checked for what must never be in a log (docs/reliability.md §No secret or full number in a log line): a
 * known key or token, a Telesign signature, a bearer token or JWT, a full phone number. Written from the rule,
 * not from shared/log.ts, so a masking bug there is caught here.
 */
import { LOCAL_FUNCTION_KEY, SANDBOX_ACCOUNT } from '../../local/localSettings';
import { FAKE_TOKEN } from './fakeKeyVault';
import { account1, account2 } from './telesignFixtures';

export interface Leak {
  kind: 'secret' | 'signature' | 'token' | 'phone number';
  /** The line with the leaked part replaced, so reporting a leak does not repeat it. */
  line: string;
}

const knownSecrets = new Set<string>([
  account1.apiKey,
  account2.apiKey,
  SANDBOX_ACCOUNT.apiKey,
  LOCAL_FUNCTION_KEY,
  FAKE_TOKEN,
]);

/** A secret a test makes up (a rotated key, a client secret): lines holding it count as leaks from now on. */
export function registerSecret(value: string): void {
  if (value.length >= 8) knownSecrets.add(value);
}

const PATTERNS: Array<[Leak['kind'], RegExp]> = [
  ['signature', /TSA\s+[^\s:]+:\S+/g],
  // An HMAC-SHA256 in base64: 43 characters and one `=`.
  ['signature', /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/g],
  ['token', /Bearer\s+[A-Za-z0-9._~+/-]{8,}=*/gi],
  ['token', /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g],
  // Seven digits or more in a row, or with a leading + and separators, standing on their own (a digit run inside
  // a hex word such as a GUID part or a reference id is not a number).
  ['phone number', /(?<![\p{L}\p{N}*])\+?\d{7,}(?![\p{L}\p{N}])/gu],
  ['phone number', /(?<![\p{L}\p{N}*])\+\d(?:[ ().-]{1,2}\d+){2,}(?![\p{L}\p{N}])/gu],
];

/** A GUID (a correlation or delivery id) is not a number, even when a group of it holds only digits. */
const GUID = /(?<![\p{L}\p{N}])[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}(?![\p{L}\p{N}])/gu;

export function leaksIn(line: string): Leak[] {
  const leaks: Leak[] = [];
  for (const secret of knownSecrets)
    if (line.includes(secret)) leaks.push({ kind: 'secret', line: line.split(secret).join('[secret]') });
  for (const [kind, pattern] of PATTERNS) {
    const scanned = kind === 'phone number' ? line.replace(GUID, '[guid]') : line;
    const redacted = scanned.replace(pattern, (found) =>
      kind === 'phone number' && found.replace(/\D/g, '').length < 7 ? found : `[${kind}]`,
    );
    if (redacted !== scanned) leaks.push({ kind, line: redacted });
  }
  return leaks;
}

const figures = { lines: 0, leaks: [] as Leak[] };

/** Checks one line; the suite's setup (tests/setup/logAudit.ts) fails the test file if any leaked. */
export function auditLogLine(line: string): void {
  figures.lines++;
  figures.leaks.push(...leaksIn(line));
}

export function auditFigures(): { lines: number; leaks: readonly Leak[] } {
  return figures;
}
