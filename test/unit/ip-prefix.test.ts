import { describe, expect, it } from 'vitest';
import { ipPrefix } from '../../tracking/ip-prefix';

describe('ipPrefix keeps the network, never the address', () => {
  it('IPv4 becomes its /24', () => {
    expect(ipPrefix('203.0.113.77')).toBe('203.0.113.0/24');
    expect(ipPrefix('17.58.101.9')).toBe('17.58.101.0/24');
    expect(ipPrefix('203.0.113.77:51234')).toBe('203.0.113.0/24');
  });

  it('an IPv4 peer on a dual-stack socket (::ffff:a.b.c.d) stays IPv4', () => {
    expect(ipPrefix('::ffff:127.0.0.1')).toBe('127.0.0.0/24');
    expect(ipPrefix('::ffff:cb00:714d')).toBe('203.0.113.0/24');
  });

  it('IPv6 becomes its /48 in RFC 5952 form', () => {
    expect(ipPrefix('2001:db8:1234:5678::1')).toBe('2001:db8:1234::/48');
    expect(ipPrefix('2001:0DB8:0000:0000:0000:ff00:0042:8329')).toBe('2001:db8::/48');
    expect(ipPrefix('[2001:db8:0:5::9]:443')).toBe('2001:db8::/48');
    expect(ipPrefix('2001:0:5::1')).toBe('2001:0:5::/48');
    expect(ipPrefix('fe80::1%eth0')).toBe('fe80::/48');
    expect(ipPrefix('::1')).toBe('::/48');
  });

  it('anything else is null', () => {
    for (const bad of [
      '',
      'unknown',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '2001:db8::1::2',
      '12345::',
      'gggg::1',
      '1:2:3:4:5:6:7:8:9',
    ]) {
      expect(ipPrefix(bad), bad).toBeNull();
    }
    expect(ipPrefix(undefined)).toBeNull();
  });
});
