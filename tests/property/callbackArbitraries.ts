import fc from 'fast-check';

import { CALLBACK_MAX_BYTES } from '../../shared/services/ingest';
import { account1, account2, signBody } from '../support/telesignFixtures';

/**
 * Generators and the oracle of the callback property tests (tests/property/*.test.ts). The oracle is written from
 * docs/telesign-protocol.md §Callback signature, not from the code under test: a callback is authentic iff
 * `Authorization` is exactly `TSA <customer id>:<sig>` and `X-TS-Authorization` exactly `<sig>`, where the
 * customer id is a configured one up to ASCII case and `<sig>` is the standard padded base64 of
 * HMAC-SHA256(base64-decode(api key), raw body) with that account's key.
 */

export type FixtureAccount = typeof account1;
export const ACCOUNTS: readonly FixtureAccount[] = [account1, account2];

// ---------------------------------------------------------------------------------------------------------------
// The oracle

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The account whose canonical headers these are for `body`, or undefined when they are not. */
export function authenticFor(
  body: Buffer,
  authorization: string | null | undefined,
  xTsAuthorization: string | null | undefined,
  accounts: readonly FixtureAccount[] = ACCOUNTS,
): FixtureAccount | undefined {
  if (typeof authorization !== 'string' || typeof xTsAuthorization !== 'string') return undefined;
  for (const account of accounts) {
    const sig = signBody(account.apiKey, body);
    if (xTsAuthorization !== sig) continue;
    const id = account.customerId;
    if (authorization.length !== 'TSA '.length + id.length + 1 + sig.length) continue;
    if (!authorization.startsWith('TSA ')) continue;
    if (asciiLower(authorization.slice(4, 4 + id.length)) !== asciiLower(id)) continue;
    if (authorization.slice(4 + id.length) !== `:${sig}`) continue;
    return account;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Text

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** Characters that have tripped parsers: controls, separators, look-alikes, case-mapping oddities, base64's own. */
const oddChar = fc.constantFrom(
  '\u0000',
  '\t',
  '\n',
  '\r',
  ' ',
  '\u00a0',
  '\u200b',
  '\u2028',
  '\ufeff',
  '\uffff',
  '\u212a', // KELVIN SIGN, lower-cases to "k"
  '\u0130', // I WITH DOT, lower-cases to two units
  '\u017f', // LONG S, upper-cases to "S"
  '\uff21', // FULLWIDTH A
  '=',
  ',',
  ':',
  ';',
  '-',
  '_',
  '+',
  '/',
  '"',
  '\\',
  '%',
  '😀',
);
const anyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: oddChar },
  { weight: 1, arbitrary: loneSurrogate },
);

/** Any string of UTF-16 units: unicode, controls, lone surrogates. */
export const anyText = (maxLength = 48) => fc.string({ unit: anyChar, maxLength });

/** A long string, built by repeating a short one (cut anywhere, so possibly through a surrogate pair). */
export const longText = (maxLength: number) =>
  fc
    .tuple(anyText(8), fc.integer({ min: 0, max: maxLength }))
    .map(([seed, n]) => (seed.length === 0 ? 'x' : seed).repeat(Math.ceil(n / Math.max(seed.length, 1))).slice(0, n));

// ---------------------------------------------------------------------------------------------------------------
// JSON text, written token by token so it can hold what JSON.stringify never writes: number literals beyond a
// double's range or precision, \u escapes of any unit (lone surrogates included), duplicate keys, odd whitespace.

/** Every unit escaped as \uXXXX: valid JSON for any string, lone surrogates included. */
const uEscaped = (s: string) =>
  `"${Array.from({ length: s.length }, (_, i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`;

export const stringLiteral = (text: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 5, arbitrary: text.map((s) => JSON.stringify(s)) }, { weight: 1, arbitrary: text.map(uEscaped) });

export const numberLiteral = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.integer({ min: 1, max: 400 }).map((n) => '9'.repeat(n)),
  fc.constantFrom(
    '-0',
    '0',
    '1e400',
    '-1e400',
    '1E+2',
    '1.5',
    '2e-400',
    '200.0',
    '2e2',
    '9007199254740991',
    '9007199254740992',
    '-9007199254740993',
    '1152921504606846976',
    '123456789012345678901234567890',
    '1e308',
    '4.9e-324',
  ),
);

const ws = fc.constantFrom('', '', '', ' ', '\n', '\t', '\r\n  ');

const keyLiteral = stringLiteral(
  fc.oneof(
    { weight: 3, arbitrary: anyText(12) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'status',
        'code',
        'description',
        'updated_on',
        'reference_id',
        'sub_resource',
        'user_response',
        'phone_number',
        'sender_id',
        'mo_message',
        'errors',
        'additional_info',
        'message_parts_count',
        '__proto__',
        'constructor',
        'toString',
        '',
      ),
    },
  ),
);

const leafLiteral = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('null', 'true', 'false') },
  { weight: 2, arbitrary: numberLiteral },
  { weight: 3, arbitrary: stringLiteral(anyText()) },
);

const objectText = (entries: Array<[string, string]>, pad: string) =>
  `{${entries.map(([k, v]) => `${pad}${k}${pad}:${pad}${v}`).join(',')}${pad}}`;

/** Any JSON value as text. */
export const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafLiteral, tie('array'), tie('object')),
  array: fc
    .tuple(fc.array(tie('value'), { maxLength: 5 }), ws)
    .map(([items, pad]) => `[${pad}${items.join(`,${pad}`)}${pad}]`),
  object: fc
    .tuple(fc.array(fc.tuple(keyLiteral, tie('value')), { maxLength: 5 }), ws)
    .map(([entries, pad]) => objectText(entries, pad)),
})).value;

/** Arrays or objects nested thousands deep, still within the cap. */
const deeplyNested = fc
  .tuple(fc.integer({ min: 1, max: 12_000 }), fc.constantFrom('array', 'object'))
  .map(([n, kind]) => (kind === 'array' ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n)));

// ---------------------------------------------------------------------------------------------------------------
// Telesign's shapes (docs/telesign-protocol.md §Callbacks) with random field values

/** A field holds a plausible value most of the time, else any JSON value. */
const field = (plausible: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 1, arbitrary: jsonText });

/**
 * An object with Telesign's keys, each present or not, in any order, sometimes given twice (JSON.parse keeps the
 * last) and with junk keys among them.
 */
function shape(fields: Record<string, fc.Arbitrary<string>>, required: string[] = []): fc.Arbitrary<string> {
  const entries = Object.entries(fields).map(([key, value]) =>
    (required.includes(key) ? value : fc.option(value, { freq: 8, nil: undefined })).map(
      (v): [string, string] | undefined => (v === undefined ? undefined : [JSON.stringify(key), v]),
    ),
  );
  return fc
    .tuple(
      fc.tuple(...entries),
      fc.array(fc.tuple(keyLiteral, jsonText), { maxLength: 2 }),
      fc.option(fc.nat(), { freq: 5, nil: undefined }),
      fc.nat(),
      ws,
    )
    .map(([present, junk, duplicate, shift, pad]) => {
      const all = [...present.filter((e): e is [string, string] => e !== undefined), ...junk];
      if (duplicate !== undefined && all.length > 0) all.push(all[duplicate % all.length]);
      const k = all.length === 0 ? 0 : shift % all.length;
      return objectText([...all.slice(k), ...all.slice(0, k)], pad);
    });
}

const hex32 = fc.stringMatching(/^[0-9A-F]{32}$/);
const digitString = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));

const plausibleReferenceId = fc.oneof(
  { weight: 4, arbitrary: stringLiteral(hex32) },
  { weight: 1, arbitrary: stringLiteral(hex32.map((s) => s.toLowerCase())) },
  { weight: 1, arbitrary: stringLiteral(hex32.map((s) => ` ${s}\t`)) },
  { weight: 2, arbitrary: stringLiteral(anyText(40)) },
  {
    weight: 2,
    arbitrary: stringLiteral(
      fc.tuple(fc.integer({ min: 300, max: 1_200 }), hex32).map(([n, h]) => h.repeat(Math.ceil(n / 32)).slice(0, n)),
    ),
  },
  { weight: 1, arbitrary: stringLiteral(longText(6_000)) },
  { weight: 1, arbitrary: stringLiteral(fc.constantFrom('', ' ', '\u00a0')) },
);
const referenceId = field(plausibleReferenceId);

const plausibleStatusCode = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(
        200,
        203,
        207,
        210,
        211,
        220,
        221,
        222,
        229,
        231,
        237,
        238,
        250,
        290,
        295,
        502,
        503,
        504,
        505,
        506,
        507,
        508,
        509,
        510,
        511,
        512,
        513,
        514,
        515,
        599,
        1500,
      )
      .map(String),
  },
  { weight: 2, arbitrary: numberLiteral },
  {
    weight: 1,
    arbitrary: stringLiteral(
      fc.oneof(digitString(1, 30), fc.constantFrom(' 200 ', '-12', '00012', '1e3', '9'.repeat(400), '')),
    ),
  },
);
const statusCode = field(plausibleStatusCode);

const time = stringLiteral(
  fc.oneof(
    fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString().replace('Z', '346Z')),
    fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }).map((ms) => new Date(ms).toISOString()),
    fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toUTCString()),
    fc.constantFrom('2016-10-21T14:05:36.181346Z', 'Fri, 21 Oct 2016 14:05:36 GMT', '0000-00-00', 'now', ''),
    anyText(30),
    longText(3_000),
  ),
);

const freeText = (longMax: number) =>
  stringLiteral(fc.oneof({ weight: 5, arbitrary: anyText(80) }, { weight: 1, arbitrary: longText(longMax) }));

const phone = field(
  stringLiteral(
    fc.oneof(
      digitString(0, 20),
      digitString(10, 11).map((d) => `+${d}`),
      fc.constantFrom('+1 (425) 230-6549', '15555550100', '447700900999', '1', '+', ''),
      anyText(20),
    ),
  ),
);

const errors = field(
  fc
    .array(
      fc.oneof(
        {
          weight: 3,
          arbitrary: shape({
            code: field(fc.oneof(numberLiteral, stringLiteral(anyText(10)))),
            description: freeText(2_000),
          }),
        },
        { weight: 1, arbitrary: jsonText },
      ),
      { maxLength: 6 },
    )
    .map((items) => `[${items.join(',')}]`),
);

const status = field(shape({ code: statusCode, description: field(freeText(40_000)), updated_on: field(time) }));

export const deliveryReportText = shape({
  status,
  errors,
  sub_resource: field(stringLiteral(fc.constantFrom('sms', 'mo_sms', 'SMS', ''))),
  additional_info: field(
    shape({
      mcc: field(stringLiteral(digitString(3, 3))),
      mnc: field(stringLiteral(digitString(2, 3))),
      price: field(stringLiteral(fc.constantFrom('0.01', '0', '-1', 'NaN'))),
      message_parts_count: field(fc.oneof(numberLiteral, stringLiteral(digitString(0, 30)))),
    }),
  ),
  reference_id: referenceId,
});

export const inboundSmsText = shape({
  status,
  submit_timestamp: field(time),
  errors,
  user_response: field(
    shape({
      phone_number: phone,
      iso_country_code: field(
        stringLiteral(fc.oneof(fc.constantFrom('US', 'GB', 'us', ''), anyText(4), longText(2_000))),
      ),
      sender_id: phone,
      mo_message: field(freeText(40_000)),
    }),
  ),
  sub_resource: field(stringLiteral(fc.constantFrom('mo_sms', 'sms', 'MO_SMS', ''))),
  reference_id: referenceId,
});

/**
 * The same shapes with what identifies them plausible (a status with a code and a reference; a customer number),
 * so that most reach the event they look like, and everything else random.
 */
const plausiblePhone = stringLiteral(
  fc.oneof(
    digitString(3, 15),
    digitString(10, 11).map((d) => `+${d}`),
    fc.constantFrom('+1 (425) 230-6549'),
  ),
);

export const nearDeliveryReportText = shape(
  {
    status: shape({ code: plausibleStatusCode, description: field(freeText(40_000)), updated_on: field(time) }, [
      'code',
    ]),
    errors,
    sub_resource: field(stringLiteral(fc.constant('sms'))),
    additional_info: field(
      shape({ message_parts_count: field(fc.oneof(numberLiteral, stringLiteral(digitString(0, 30)))) }),
    ),
    reference_id: plausibleReferenceId,
  },
  ['status', 'reference_id'],
);

export const nearInboundSmsText = shape(
  {
    status,
    submit_timestamp: field(time),
    errors,
    user_response: shape(
      {
        phone_number: plausiblePhone,
        iso_country_code: field(stringLiteral(fc.oneof(fc.constantFrom('US', 'GB'), anyText(4), longText(2_000)))),
        sender_id: phone,
        mo_message: field(freeText(40_000)),
      },
      ['phone_number'],
    ),
    sub_resource: stringLiteral(fc.constant('mo_sms')),
    reference_id: plausibleReferenceId,
  },
  ['user_response', 'sub_resource'],
);

export const fitsTheCap = (text: string) => Buffer.byteLength(text, 'utf8') <= CALLBACK_MAX_BYTES;

/**
 * One of Telesign's shapes filled with a junk field to just under the cap (within `slack` bytes of it), with text
 * of any kind: what the storage of the largest callbacks meets (values split over properties, request bodies over
 * 64 KiB).
 */
const nearTheCap = fc
  .tuple(fc.oneof(nearInboundSmsText, nearDeliveryReportText), anyText(4), fc.nat({ max: 400 }))
  .map(([base, seed, slack]) => {
    const unit = seed.length === 0 ? 'é' : seed;
    const isEmpty = Object.keys(JSON.parse(base) as object).length === 0;
    const head = `${base.slice(0, base.lastIndexOf('}'))}${isEmpty ? '' : ','}"padding":`;
    const room = CALLBACK_MAX_BYTES - slack - Buffer.byteLength(head) - 3;
    const unitBytes = Math.max(1, Buffer.byteLength(JSON.stringify(unit)) - 2);
    return `${head}${JSON.stringify(unit.repeat(Math.max(0, Math.floor(room / unitBytes))))}}`;
  });

/** Any JSON text a signed callback could carry, within the 64 KiB cap. */
export const callbackJsonText = fc
  .oneof(
    { weight: 3, arbitrary: nearDeliveryReportText },
    { weight: 3, arbitrary: nearInboundSmsText },
    { weight: 3, arbitrary: deliveryReportText },
    { weight: 3, arbitrary: inboundSmsText },
    { weight: 2, arbitrary: jsonText },
    { weight: 1, arbitrary: fc.json({ stringUnit: 'binary' }) },
    { weight: 1, arbitrary: deeplyNested },
    { weight: 1, arbitrary: nearTheCap },
    { weight: 1, arbitrary: fc.tuple(ws, fc.oneof(deliveryReportText, inboundSmsText), ws).map((p) => p.join('')) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.oneof(deliveryReportText, inboundSmsText), { maxLength: 2 })
        .map((a) => `[${a.join(',')}]`),
    },
  )
  .filter(fitsTheCap);

/** Raw bodies: bytes of any kind, text, and JSON, including JSON whose strings hold bytes that are not UTF-8. */
export const anyBody = (maxBytes = 2_048) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: maxBytes }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: anyText(200).map((s) => Buffer.from(s, 'utf8')) },
    { weight: 4, arbitrary: callbackJsonText.map((s) => Buffer.from(s, 'utf8')) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(deliveryReportText, fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.nat())
        .map(([text, junk, at]) => {
          const bytes = Buffer.from(text, 'utf8');
          const i = at % (bytes.length + 1);
          return Buffer.concat([bytes.subarray(0, i), Buffer.from(junk.map((b) => b | 0x80)), bytes.subarray(i)]);
        }),
    },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  );

// ---------------------------------------------------------------------------------------------------------------
// Headers: plans, as data so that a counterexample reads well, turned into header values for a body.

export type SigSource =
  | { from: 'right' }
  | { from: 'otherAccountKey' }
  | { from: 'otherBody'; salt: string }
  | { from: 'random'; bytes: number[] };

export type Mutation =
  | { op: 'flipCase' | 'delete'; at: number }
  | { op: 'insert' | 'replace'; at: number; char: string }
  | { op: 'stripPadding' | 'addPadding' | 'base64url' | 'bumpUnusedBits' | 'trimEnd' }
  | { op: 'append' | 'prepend'; junk: string }
  | { op: 'repeat'; separator: ',' | ', ' | ' ,'; other: string | null; first: boolean };

export interface HeaderPlan {
  /** Index into ACCOUNTS: whose customer id the Authorization names. */
  account: number;
  sig: SigSource;
  /** The customer id as written: the account's in random case, or any text. */
  customerId:
    | { kind: 'account'; caseMask: number; lookalikes: Array<{ at: number; pick: number }> }
    | { kind: 'text'; text: string };
  scheme: string;
  separator: string;
  /** Applied to the signature before it is put in both headers. */
  sigMutations: Mutation[];
  authMutations: Mutation[];
  xTsMutations: Mutation[];
  /** X-TS-Authorization carries another signature source than Authorization. */
  xTsSig?: SigSource;
  /** Replace a header's value outright: null/undefined is "absent". */
  authOverride?: { value: string | null | undefined };
  xTsOverride?: { value: string | null | undefined };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function mutate(s: string, m: Mutation): string {
  const at = (n: number) => (s.length === 0 ? 0 : n % (s.length + 1));
  switch (m.op) {
    case 'flipCase': {
      const i = s.length === 0 ? 0 : m.at % s.length;
      const c = s.charAt(i);
      const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
      return s.slice(0, i) + flipped + s.slice(i + 1);
    }
    case 'delete': {
      const i = s.length === 0 ? 0 : m.at % s.length;
      return s.slice(0, i) + s.slice(i + 1);
    }
    case 'insert':
      return s.slice(0, at(m.at)) + m.char + s.slice(at(m.at));
    case 'replace': {
      const i = s.length === 0 ? 0 : m.at % s.length;
      return s.slice(0, i) + m.char + s.slice(i + 1);
    }
    case 'stripPadding':
      return s.replace(/=+$/, '');
    case 'addPadding':
      return `${s}=`;
    case 'base64url':
      return s.replace(/\+/g, '-').replace(/\//g, '_');
    case 'bumpUnusedBits': {
      // The 43rd character of a 44-character signature carries 2 unused bits; set them.
      const i = s.indexOf('=') - 1;
      if (i < 0) return s;
      const k = BASE64.indexOf(s[i]);
      return k < 0 ? s : s.slice(0, i) + BASE64[(k & ~3) | (1 + (k % 3))] + s.slice(i + 1);
    }
    case 'trimEnd':
      return s.slice(0, -1);
    case 'append':
      return s + m.junk;
    case 'prepend':
      return m.junk + s;
    case 'repeat': {
      const other = m.other ?? s;
      return m.first ? `${s}${m.separator}${other}` : `${other}${m.separator}${s}`;
    }
  }
}

const applyAll = (s: string, ms: Mutation[]) => ms.reduce(mutate, s);

function signatureOf(source: SigSource, account: FixtureAccount, body: Buffer): string {
  switch (source.from) {
    case 'right':
      return signBody(account.apiKey, body);
    case 'otherAccountKey': {
      const other = ACCOUNTS.find((a) => a !== account)!;
      return signBody(other.apiKey, body);
    }
    case 'otherBody':
      return signBody(account.apiKey, Buffer.concat([body, Buffer.from(source.salt || '\u0000', 'utf8')]));
    case 'random':
      return Buffer.from(source.bytes).toString('base64');
  }
}

/**
 * Characters that look like, or case-map to, an ASCII one: Kelvin sign, long s, dotted and dotless i, Cyrillic
 * letters, fullwidth forms, dashes. A customer id compared "without case" must not let any of them through.
 */
function lookalikesOf(c: string): string[] {
  const special: Record<string, string[]> = {
    k: ['\u212a'],
    s: ['\u017f'],
    i: ['\u0130', '\u0131'],
    a: ['\u0430', '\u0410'],
    e: ['\u0435', '\u0415'],
    c: ['\u0441', '\u0421'],
    '-': ['\u2010', '\u2011', '\u2212', '\u00ad'],
  };
  const code = c.charCodeAt(0);
  const fullwidth = code > 0x20 && code < 0x7f ? [String.fromCharCode(code + 0xfee0)] : [];
  return [...(special[c.toLowerCase()] ?? []), ...fullwidth, `${c}\u0301`];
}

function customerIdOf(plan: HeaderPlan, account: FixtureAccount): string {
  if (plan.customerId.kind === 'text') return plan.customerId.text;
  const { caseMask, lookalikes } = plan.customerId;
  const chars = Array.from(account.customerId, (c, i) => ((caseMask >> (i % 31)) & 1 ? c.toLowerCase() : c));
  for (const { at, pick } of lookalikes) {
    const i = at % chars.length;
    const options = lookalikesOf(account.customerId[i]);
    chars[i] = options[pick % options.length];
  }
  return chars.join('');
}

export function headersOf(
  plan: HeaderPlan,
  body: Buffer,
): { authorization: string | null | undefined; xTsAuthorization: string | null | undefined } {
  const account = ACCOUNTS[plan.account % ACCOUNTS.length];
  const sig = applyAll(signatureOf(plan.sig, account, body), plan.sigMutations);
  const xSig = plan.xTsSig ? applyAll(signatureOf(plan.xTsSig, account, body), plan.sigMutations) : sig;
  const authorization = applyAll(
    `${plan.scheme}${customerIdOf(plan, account)}${plan.separator}${sig}`,
    plan.authMutations,
  );
  const xTsAuthorization = applyAll(xSig, plan.xTsMutations);
  return {
    authorization: plan.authOverride ? plan.authOverride.value : authorization,
    xTsAuthorization: plan.xTsOverride ? plan.xTsOverride.value : xTsAuthorization,
  };
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('flipCase' as const, 'delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constantFrom('insert' as const, 'replace' as const), at: fc.nat(), char: anyChar }),
  fc.record({
    op: fc.constantFrom(
      'stripPadding' as const,
      'addPadding' as const,
      'base64url' as const,
      'bumpUnusedBits' as const,
      'trimEnd' as const,
    ),
  }),
  fc.record({ op: fc.constantFrom('append' as const, 'prepend' as const), junk: anyText(6) }),
  fc.record({
    op: fc.constant('repeat' as const),
    separator: fc.constantFrom(',' as const, ', ' as const, ' ,' as const),
    other: fc.option(anyText(10), { nil: null }),
    first: fc.boolean(),
  }),
);

const sigSource: fc.Arbitrary<SigSource> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ from: 'right' as const }) },
  { weight: 1, arbitrary: fc.constant({ from: 'otherAccountKey' as const }) },
  { weight: 1, arbitrary: fc.record({ from: fc.constant('otherBody' as const), salt: anyText(3) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      from: fc.constant('random' as const),
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 30, maxLength: 34 }),
    }),
  },
);

const fewMutations = (weightOfNone: number) =>
  fc.oneof(
    { weight: weightOfNone, arbitrary: fc.constant([] as Mutation[]) },
    { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
  );

const headerValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(''),
  anyText(120),
  fc.string({ unit: 'grapheme-ascii', maxLength: 100 }),
);

/** `value` once in `oneIn` draws, else undefined. */
const rarely = <T>(value: fc.Arbitrary<T>, oneIn: number) =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });

/** Header plans: half left canonical (some accepted, in any case of the customer id), the rest perturbed. */
export const headerPlan: fc.Arbitrary<HeaderPlan> = fc.record({
  account: fc.nat({ max: ACCOUNTS.length - 1 }),
  sig: sigSource,
  customerId: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('account' as const),
        caseMask: fc.nat(),
        lookalikes: fc.oneof(
          { weight: 6, arbitrary: fc.constant<Array<{ at: number; pick: number }>>([]) },
          {
            weight: 1,
            arbitrary: fc.array(fc.record({ at: fc.nat(), pick: fc.nat() }), { minLength: 1, maxLength: 2 }),
          },
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: anyText(40) }) },
  ),
  scheme: fc.oneof(
    { weight: 12, arbitrary: fc.constant('TSA ') },
    {
      weight: 1,
      arbitrary: fc.constantFrom('tsa ', 'Tsa ', 'TSA  ', 'TSA\t', ' TSA ', 'TSA', '', 'Basic ', 'TSA\u00a0'),
    },
  ),
  separator: fc.oneof(
    { weight: 12, arbitrary: fc.constant(':') },
    { weight: 1, arbitrary: fc.constantFrom('::', ' :', ': ', '', ';', '\uff1a', ':\u0000') },
  ),
  sigMutations: fewMutations(3),
  authMutations: fewMutations(4),
  xTsMutations: fewMutations(4),
  xTsSig: rarely(sigSource, 8),
  authOverride: rarely(fc.record({ value: headerValue }), 12),
  xTsOverride: rarely(fc.record({ value: headerValue }), 12),
});

/** A header value as it would reach a handler off the wire: Node reads bytes as latin1, and no CR, LF or NUL. */
export function asWireValue(value: string): string {
  return Buffer.from(value, 'utf8')
    .toString('latin1')
    .replace(/[\r\n\0]/g, '');
}

/** A plan left canonical: the right signature in both headers, the customer id in any ASCII case. */
export const canonicalPlan: fc.Arbitrary<HeaderPlan> = fc
  .record({ account: fc.nat({ max: ACCOUNTS.length - 1 }), caseMask: fc.nat() })
  .map(({ account, caseMask }) => ({
    account,
    sig: { from: 'right' },
    customerId: { kind: 'account', caseMask, lookalikes: [] },
    scheme: 'TSA ',
    separator: ':',
    sigMutations: [],
    authMutations: [],
    xTsMutations: [],
  }));
