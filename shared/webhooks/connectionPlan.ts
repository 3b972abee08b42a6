import { type LookupAddress, type LookupOptions, promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

import { addressRefusal } from './addressPolicy';

/**
 * Where one delivery attempt may connect. In Azure the endpoint's host is resolved once, every address is judged by
 * the address policy, and the socket is handed those very addresses through a pinned `lookup`: resolving again at
 * connect time would let a DNS answer with a short TTL swap in 169.254.169.254 after the check (DNS rebinding).
 */

/** `dns.promises.lookup` with `all: true`; injected by tests at this outermost boundary. */
export type Resolve = (hostname: string, options: { all: true }) => Promise<LookupAddress[]>;

export const defaultResolve: Resolve = (hostname, options) => dns.lookup(hostname, options);

export type DeliveryMode = 'azure' | 'local';

export type ConnectionPlan =
  | { kind: 'connect'; lookup?: LookupFunction }
  | { kind: 'refused'; reason: string }
  | { kind: 'network'; reason: string };

/** A machine string such as ENOTFOUND; never an error's message, which can quote the host and port. */
export function reasonOf(error: unknown): string {
  const prop = (value: unknown, key: string) =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  // With happy eyeballs a failed connect is an AggregateError holding one error per address.
  const inner = prop(error, 'errors');
  const code = prop(error, 'code') ?? (Array.isArray(inner) ? prop(inner[0], 'code') : undefined);
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'network error';
}

const lookupError = (code: string, message: string) => Object.assign(new Error(message), { code });

const wantedFamily = (family: LookupOptions['family']) =>
  family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : family === 4 || family === 6 ? family : 0;

/**
 * A `lookup` for the socket that answers only with addresses already checked, whatever the DNS says by now. It
 * answers for the checked host only: any other name reaching it would be a bug, and connecting there unchecked is
 * exactly what the pin is for.
 */
export function pinnedLookup(hostname: string, checked: readonly LookupAddress[]): LookupFunction {
  const pinned = checked.map(({ address, family }) => ({ address, family }));
  return (host, options, callback) => {
    const family = wantedFamily(options.family);
    const usable = pinned.filter((a) => family === 0 || a.family === family);
    // Asynchronous like dns.lookup, which net's connect logic expects of any lookup.
    process.nextTick(() => {
      if (host !== hostname) {
        callback(lookupError('ENOTFOUND', 'the pinned lookup answers only for the checked host'), '', 0);
      } else if (usable.length === 0) {
        callback(lookupError('ENOTFOUND', 'no checked address of the requested family'), '', 0);
      } else if (options.all) {
        callback(
          null,
          usable.map((a) => ({ ...a })),
        );
      } else {
        callback(null, usable[0].address, usable[0].family);
      }
    });
  };
}

/** The URL's host as the address policy reads it: `[::1]` → `::1`. */
const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Local runs connect as the OS resolves (their receivers are on loopback, which Azure refuses). In Azure a literal
 * address is judged as it stands; a name is resolved, and one refused address refuses the attempt, because the
 * socket may try any of them (happy eyeballs) and a name that mixes public and private answers is suspect anyway.
 */
export async function planConnection(
  url: URL,
  { mode, name, resolve = defaultResolve }: { mode: DeliveryMode; name: string; resolve?: Resolve },
): Promise<ConnectionPlan> {
  if (mode === 'local') return { kind: 'connect' };
  const host = bareHost(url);
  if (isIP(host) !== 0) {
    const refusal = addressRefusal(host);
    return refusal ? { kind: 'refused', reason: `endpoint "${name}" is ${host}, ${refusal}` } : { kind: 'connect' };
  }
  let answers: LookupAddress[];
  try {
    answers = await resolve(host, { all: true });
  } catch (error) {
    return { kind: 'network', reason: reasonOf(error) };
  }
  if (answers.length === 0) return { kind: 'network', reason: 'ENOTFOUND' };
  const checked: LookupAddress[] = [];
  for (const { address } of answers) {
    const refusal = addressRefusal(address);
    if (refusal) return { kind: 'refused', reason: `endpoint "${name}" resolves to ${address}, ${refusal}` };
    // The family from the address itself, not the resolver's word for it.
    checked.push({ address, family: isIP(address) });
  }
  return { kind: 'connect', lookup: pinnedLookup(url.hostname, checked) };
}
