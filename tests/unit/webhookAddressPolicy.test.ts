import { addressRefusal, isLoopbackHost, isPublicAddress } from '../../shared/webhooks/addressPolicy';

describe('webhook address policy', () => {
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '20.42.65.92',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '169.253.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a01:111:f400::1',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
  ])('lets the public address %s be called', (address) => {
    expect(addressRefusal(address)).toBeUndefined();
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    ['10.0.0.0', 'a private address (10.0.0.0/8)'],
    ['10.255.255.255', 'a private address (10.0.0.0/8)'],
    ['172.16.0.1', 'a private address (172.16.0.0/12)'],
    ['172.31.255.255', 'a private address (172.16.0.0/12)'],
    ['192.168.1.1', 'a private address (192.168.0.0/16)'],
    ['fc00::1', 'a private address (fc00::/7)'],
    ['fd12:3456:789a::1', 'a private address (fc00::/7)'],
    ['fec0::1', 'a private address (fec0::/10)'],
    ['127.0.0.1', 'a loopback address (127.0.0.0/8)'],
    ['127.255.255.254', 'a loopback address (127.0.0.0/8)'],
    ['::1', 'a loopback address (::1/128)'],
    ['169.254.169.254', 'a link-local address (169.254.0.0/16)'],
    ['169.254.0.1', 'a link-local address (169.254.0.0/16)'],
    ['fe80::1', 'a link-local address (fe80::/10)'],
    ['febf::1', 'a link-local address (fe80::/10)'],
    ['0.0.0.0', 'an unspecified address (0.0.0.0/8)'],
    ['0.1.2.3', 'an unspecified address (0.0.0.0/8)'],
    ['::', 'an unspecified address (::/128)'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address (100.64.0.0/10)'],
    ['100.127.255.255', 'a shared (carrier-grade NAT) address (100.64.0.0/10)'],
    ['224.0.0.1', 'a multicast address (224.0.0.0/4)'],
    ['239.255.255.250', 'a multicast address (224.0.0.0/4)'],
    ['ff02::1', 'a multicast address (ff00::/8)'],
    ['240.0.0.1', 'a reserved address (240.0.0.0/4)'],
    ['255.255.255.255', 'a reserved address (240.0.0.0/4)'],
    ['::127.0.0.1', 'a reserved address (::/96)'],
    ['168.63.129.16', "Azure's platform address (168.63.129.16/32)"],
  ])('refuses %s as %s', (address, reason) => {
    expect(addressRefusal(address)).toBe(reason);
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    ['::ffff:127.0.0.1', 'a loopback address (127.0.0.0/8, as an IPv4-mapped IPv6 address)'],
    ['::ffff:7f00:1', 'a loopback address (127.0.0.0/8, as an IPv4-mapped IPv6 address)'],
    ['::ffff:10.1.2.3', 'a private address (10.0.0.0/8, as an IPv4-mapped IPv6 address)'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'a private address (192.168.0.0/16, as an IPv4-mapped IPv6 address)'],
    ['::FFFF:A9FE:A9FE', 'a link-local address (169.254.0.0/16, as an IPv4-mapped IPv6 address)'],
    ['::ffff:100.64.0.1', 'a shared (carrier-grade NAT) address (100.64.0.0/10, as an IPv4-mapped IPv6 address)'],
    ['::ffff:224.0.0.1', 'a multicast address (224.0.0.0/4, as an IPv4-mapped IPv6 address)'],
    ['::ffff:0.0.0.0', 'an unspecified address (0.0.0.0/8, as an IPv4-mapped IPv6 address)'],
  ])('judges the IPv4-mapped %s by the IPv4 address it carries', (address, reason) => {
    expect(addressRefusal(address)).toBe(reason);
  });

  it('reads an address with a zone or in brackets, as resolvers and URLs give them', () => {
    expect(addressRefusal('fe80::1%eth0')).toBe('a link-local address (fe80::/10)');
    expect(addressRefusal('[::1]')).toBe('a loopback address (::1/128)');
    expect(addressRefusal(' 10.0.0.1 ')).toBe('a private address (10.0.0.0/8)');
  });

  it.each(['', 'example.com', 'localhost', '10.0.0', '256.1.1.1', '1.2.3.4.5', 'fe80::g', '10.0.0.1/8'])(
    'refuses %j, which is not an address',
    (address) => {
      expect(addressRefusal(address)).toBe('not an IP address');
      expect(isPublicAddress(address)).toBe(false);
    },
  );
});

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', 'localhost.', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '[::ffff:127.0.0.1]'])(
    'takes %s for loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each(['example.com', 'localhost.example.com', 'mylocalhost', '10.0.0.1', '0.0.0.0', '::', '128.0.0.1'])(
    'does not take %s for loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});
