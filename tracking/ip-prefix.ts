/**
 * The network a request came from, never the address itself: an IPv4 /24 (`203.0.113.0/24`) or an
 * IPv6 /48 (`2001:db8:1::/48`). That is enough to recognise a provider's egress range (Apple's
 * 17.0.0.0/8) and too coarse to single out a household. Returns null for anything that is not an IP.
 *
 * Accepts what sockets and proxies write: `::ffff:203.0.113.9` (an IPv4 peer on a dual-stack
 * socket, kept as IPv4), `[2001:db8::1]:443`, `203.0.113.9:51234`, zone ids (`fe80::1%eth0`).
 */
export function ipPrefix(address: string | null | undefined): string | null {
  if (!address) return null;
  const host = stripPort(address.trim());
  const v4 = parseIpv4(host);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0/24`;
  const v6 = parseIpv6(host);
  if (!v6) return null;
  const mappedV4 = v6.slice(0, 5).every((part) => part === 0) && v6[5] === 0xffff;
  if (mappedV4) return `${v6[6]! >> 8}.${v6[6]! & 0xff}.${v6[7]! >> 8}.0/24`;
  return formatIpv6Network(v6.slice(0, 3));
}

function stripPort(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  const v4WithPort = /^([\d.]+):\d+$/.exec(host);
  return v4WithPort ? v4WithPort[1]! : host;
}

function parseIpv4(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return null;
  const octets = parts.map(Number);
  return octets.every((octet) => octet <= 255) ? octets : null;
}

/** Eight 16-bit groups, or null. */
function parseIpv6(host: string): number[] | null {
  const address = host.replace(/%[\w.-]+$/, '');
  if (!address.includes(':')) return null;
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const groups = (text: string | undefined) => (text ? text.split(':') : []);
  let head = groups(halves[0]);
  let tail = groups(halves[1]);
  // An IPv4 tail (`::ffff:1.2.3.4`) stands for the last two groups.
  const last = (halves.length === 2 ? tail : head).at(-1);
  const v4Tail = last?.includes('.') ? parseIpv4(last) : undefined;
  if (v4Tail === null) return null;
  const v4Groups = v4Tail
    ? [((v4Tail[0]! << 8) | v4Tail[1]!).toString(16), ((v4Tail[2]! << 8) | v4Tail[3]!).toString(16)]
    : [];
  if (v4Tail) {
    if (halves.length === 2) tail = [...tail.slice(0, -1), ...v4Groups];
    else head = [...head.slice(0, -1), ...v4Groups];
  }
  if (![...head, ...tail].every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return all.map((group) => parseInt(group, 16));
}

/** RFC 5952 text of the first three groups: `2001:db8:0` becomes `2001:db8::/48`. */
function formatIpv6Network(groups: number[]): string {
  const kept = [...groups];
  while (kept.length > 0 && kept.at(-1) === 0) kept.pop();
  return `${kept.map((group) => group.toString(16)).join(':')}::/48`;
}
