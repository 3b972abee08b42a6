import { BlockList, isIP } from 'node:net';

/**
 * Which addresses a webhook may be delivered to in Azure. An endpoint's host is resolved and every address it
 * resolves to is checked here before the call, so that a setting (or a DNS answer) cannot point a signed POST at
 * the Function App's own network: the instance metadata service, the VNet, a private endpoint (SSRF). It is for Azure
 * only: a local run's receiver is on loopback.
 */

const LOOPBACK = 'a loopback address';
export const NOT_AN_ADDRESS = 'not an IP address';

type Range = [network: string, prefix: number, family: 'ipv4' | 'ipv6'];

/** Each refusal with the ranges it covers; the first that matches names the reason. */
const refused: { reason: string; ranges: Range[] }[] = [
  {
    reason: 'an unspecified address',
    ranges: [
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 128, 'ipv6'],
    ],
  },
  {
    reason: LOOPBACK,
    ranges: [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  },
  {
    reason: 'a private address',
    ranges: [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['fc00::', 7, 'ipv6'],
      // Site-local, deprecated for unique local addresses but still routed privately where it is in use.
      ['fec0::', 10, 'ipv6'],
    ],
  },
  {
    // 169.254.169.254 is Azure's instance metadata service: the classic SSRF target.
    reason: 'a link-local address',
    ranges: [
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ],
  },
  { reason: 'a shared (carrier-grade NAT) address', ranges: [['100.64.0.0', 10, 'ipv4']] },
  {
    reason: 'a multicast address',
    ranges: [
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ],
  },
  {
    // 240.0.0.0/4 (with the broadcast address) and the deprecated IPv4-compatible IPv6 form: never a host.
    reason: 'a reserved address',
    ranges: [
      ['240.0.0.0', 4, 'ipv4'],
      ['::', 96, 'ipv6'],
    ],
  },
  // A public address, but Azure's virtual host address (DNS, wire server) that every VM and Function App reaches.
  { reason: "Azure's platform address", ranges: [['168.63.129.16', 32, 'ipv4']] },
];

/** One list per range, so that a match can name the range it fell in. */
const lists = refused.flatMap(({ reason, ranges }) =>
  ranges.map(([network, prefix, family]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { reason, range: `${network}/${prefix}`, list };
  }),
);

/** `fe80::1%eth0` → `fe80::1`: the zone names an interface, not part of the address. */
const withoutZone = (address: string) => address.replace(/%.*$/, '');

/**
 * The IPv4 address inside `::ffff:0:0/96`, dotted, or undefined. The URL parser gives every spelling of an IPv6
 * address (`0:0:0:0:0:ffff:10.0.0.1`, `::FFFF:a00:1`) the one canonical form, `::ffff:a00:1`.
 */
function mappedIpv4(address: string): string | undefined {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const match = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!match) return undefined;
  const high = parseInt(match[1], 16);
  const low = parseInt(match[2], 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * Why this address may not be called in Azure (`a loopback address (127.0.0.0/8)`), or undefined when it is public. An
 * IPv4-mapped IPv6 address is judged by the IPv4 address it carries, since that is where the packets go.
 */
export function addressRefusal(address: string): string | undefined {
  const bare = withoutZone(address.trim().replace(/^\[(.*)\]$/, '$1'));
  const family = isIP(bare);
  if (family === 0) return NOT_AN_ADDRESS;
  const mapped = family === 6 ? mappedIpv4(bare) : undefined;
  const [checked, type] = mapped
    ? [mapped, 'ipv4' as const]
    : [bare, family === 4 ? ('ipv4' as const) : ('ipv6' as const)];
  const hit = lists.find(({ list }) => list.check(checked, type));
  if (!hit) return undefined;
  return mapped ? `${hit.reason} (${hit.range}, as an IPv4-mapped IPv6 address)` : `${hit.reason} (${hit.range})`;
}

export const isPublicAddress = (address: string): boolean => addressRefusal(address) === undefined;

/** A loopback host (`localhost`, 127.0.0.0/8, ::1): the only hosts a local run may call over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost') return true;
  return addressRefusal(host)?.startsWith(LOOPBACK) ?? false;
}
