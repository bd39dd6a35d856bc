// Destination policy: which addresses and ports the proxy may connect to.
//
// Every destination address, whether written literally in the URL or produced by DNS, is classified
// here before any connection is attempted. Only globally routable unicast addresses are permitted by
// default. `allowPrivate` additionally permits loopback, RFC 1918, link-local, CGNAT, ULA and the
// other non-public unicast ranges (needed for the local playground); addresses that can never be a
// TCP destination (unspecified, multicast, broadcast, reserved) are refused even then.
//
// IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) IPv6 addresses are
// classified by the IPv4 address they embed, so ::ffff:127.0.0.1 is loopback.

import { isIPv6 } from 'node:net';

/** Destination port allowed by default (the Lightning port). */
export const DEFAULT_PORT = 9735;

/**
 * `public`: permitted. `private`: permitted only with allowPrivate. `never`: always refused.
 */
export type Tier = 'public' | 'private' | 'never';

export interface Classification {
  readonly family: 4 | 6;
  readonly tier: Tier;
  /** Short kind, e.g. `loopback`, `private`, `link-local`, `cgnat`, `ula`, `multicast`. */
  readonly kind: string;
  /** Human phrase, e.g. `a loopback address (127.0.0.0/8)`; empty for public addresses. */
  readonly description: string;
}

interface Rule4 {
  readonly net: number;
  readonly bits: number;
  readonly tier: Tier;
  readonly kind: string;
  readonly text: string;
}

function rule4(cidr: string, tier: Tier, kind: string, what: string): Rule4 {
  const [addr = '', bits = ''] = cidr.split('/');
  const octets = parseIPv4(addr);
  if (!octets) throw new Error(`bad rule ${cidr}`);
  return { net: toUint32(octets), bits: Number(bits), tier, kind, text: `${what} (${cidr})` };
}

// Order matters only where ranges nest (255.255.255.255 before 240/4).
const RULES4: readonly Rule4[] = [
  rule4('0.0.0.0/8', 'never', 'unspecified', 'an unspecified address'),
  rule4('10.0.0.0/8', 'private', 'private', 'a private address'),
  rule4('100.64.0.0/10', 'private', 'cgnat', 'a carrier-grade NAT address'),
  rule4('127.0.0.0/8', 'private', 'loopback', 'a loopback address'),
  rule4('169.254.0.0/16', 'private', 'link-local', 'a link-local address'),
  rule4('172.16.0.0/12', 'private', 'private', 'a private address'),
  rule4('192.0.0.0/24', 'private', 'special', 'an IETF protocol assignment address'),
  rule4('192.0.2.0/24', 'private', 'documentation', 'a documentation address'),
  rule4('192.88.99.0/24', 'private', 'special', 'a 6to4 relay anycast address'),
  rule4('192.168.0.0/16', 'private', 'private', 'a private address'),
  rule4('198.18.0.0/15', 'private', 'benchmarking', 'a benchmarking address'),
  rule4('198.51.100.0/24', 'private', 'documentation', 'a documentation address'),
  rule4('203.0.113.0/24', 'private', 'documentation', 'a documentation address'),
  rule4('224.0.0.0/4', 'never', 'multicast', 'a multicast address'),
  rule4('255.255.255.255/32', 'never', 'broadcast', 'the broadcast address'),
  rule4('240.0.0.0/4', 'never', 'reserved', 'a reserved address'),
];

interface Rule6 {
  readonly net: bigint;
  readonly bits: number;
  readonly tier: Tier;
  readonly kind: string;
  readonly text: string;
  /** Classify by the IPv4 address embedded at this bit offset (from the left) instead. */
  readonly embeddedAt?: number;
  readonly prefix?: string;
}

function rule6(cidr: string, tier: Tier, kind: string, what: string, embeddedAt?: number): Rule6 {
  const [addr = '', bits = ''] = cidr.split('/');
  const groups = parseIPv6(addr);
  if (!groups) throw new Error(`bad rule ${cidr}`);
  const r: Rule6 = { net: toBigInt(groups), bits: Number(bits), tier, kind, text: `${what} (${cidr})` };
  return embeddedAt === undefined ? r : { ...r, embeddedAt, prefix: what };
}

const RULES6: readonly Rule6[] = [
  rule6('::/128', 'never', 'unspecified', 'the unspecified address'),
  rule6('::1/128', 'private', 'loopback', 'a loopback address'),
  rule6('::ffff:0:0/96', 'public', 'ipv4-mapped', 'IPv4-mapped', 96),
  rule6('64:ff9b::/96', 'public', 'nat64', 'NAT64', 96),
  rule6('64:ff9b:1::/48', 'private', 'nat64-local', 'a local-use NAT64 address'),
  rule6('2002::/16', 'public', '6to4', '6to4', 16),
  rule6('2001:db8::/32', 'private', 'documentation', 'a documentation address'),
  rule6('2001::/23', 'private', 'special', 'an IETF protocol assignment address'),
  rule6('3fff::/20', 'private', 'documentation', 'a documentation address'),
  rule6('fc00::/7', 'private', 'ula', 'a unique local address'),
  rule6('fe80::/10', 'private', 'link-local', 'a link-local address'),
  rule6('fec0::/10', 'private', 'site-local', 'a site-local address'),
  rule6('ff00::/8', 'never', 'multicast', 'a multicast address'),
];

const PUBLIC4: Classification = { family: 4, tier: 'public', kind: 'public', description: '' };
const PUBLIC6: Classification = { family: 6, tier: 'public', kind: 'public', description: '' };

/** Strict dotted-quad IPv4 parse: four decimal octets 0-255, no leading zeros. */
export function parseIPv4(s: string): [number, number, number, number] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const out: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const part = m[i] ?? '';
    if (part.length > 1 && part.startsWith('0')) return null;
    const n = Number(part);
    if (n > 255) return null;
    out.push(n);
  }
  return [out[0] ?? 0, out[1] ?? 0, out[2] ?? 0, out[3] ?? 0];
}

/** Parses an IPv6 address (optional %zone is ignored) into eight 16-bit groups. */
export function parseIPv6(input: string): number[] | null {
  const zone = input.indexOf('%');
  let s = zone >= 0 ? input.slice(0, zone) : input;
  if (!isIPv6(s)) return null;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail);
    if (!v4) return null;
    const hi = ((v4[0] << 8) | v4[1]).toString(16);
    const lo = ((v4[2] << 8) | v4[3]).toString(16);
    s = `${s.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  let groups: string[];
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    const head = s.slice(0, dbl) === '' ? [] : s.slice(0, dbl).split(':');
    const rest = s.slice(dbl + 2) === '' ? [] : s.slice(dbl + 2).split(':');
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<string>(fill).fill('0'), ...rest];
  } else {
    groups = s.split(':');
  }
  if (groups.length !== 8) return null;
  const out = groups.map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  return out.some(Number.isNaN) ? null : out;
}

function toUint32(o: readonly number[]): number {
  return (((o[0] ?? 0) << 24) | ((o[1] ?? 0) << 16) | ((o[2] ?? 0) << 8) | (o[3] ?? 0)) >>> 0;
}

function toBigInt(groups: readonly number[]): bigint {
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

function classify4(v: number): Classification {
  for (const r of RULES4) {
    const mask = r.bits === 0 ? 0 : (0xffffffff << (32 - r.bits)) >>> 0;
    if (((v & mask) >>> 0) === r.net) return { family: 4, tier: r.tier, kind: r.kind, description: r.text };
  }
  return PUBLIC4;
}

function uint32ToString(v: number): string {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

function classify6(v: bigint): Classification {
  for (const r of RULES6) {
    const shift = BigInt(128 - r.bits);
    if (v >> shift !== r.net >> shift) continue;
    if (r.embeddedAt !== undefined) {
      const v4 = Number((v >> BigInt(128 - r.embeddedAt - 32)) & 0xffffffffn);
      const inner = classify4(v4);
      if (inner.tier === 'public') return PUBLIC6;
      const text = `${r.prefix ?? ''} ${uint32ToString(v4)}, ${inner.description}`;
      return { family: 6, tier: inner.tier, kind: inner.kind, description: text };
    }
    return { family: 6, tier: r.tier, kind: r.kind, description: r.text };
  }
  // Outside 2000::/3 nothing is global unicast (IPv4-compatible ::/96, discard 100::/64, ...).
  if (v >> 125n !== 1n) {
    return { family: 6, tier: 'never', kind: 'reserved', description: 'a reserved address (not in 2000::/3)' };
  }
  return PUBLIC6;
}

/** Classifies an IP literal; returns null if `ip` is not an IPv4 or IPv6 address. */
export function classifyAddress(ip: string): Classification | null {
  const v4 = parseIPv4(ip);
  if (v4) return classify4(toUint32(v4));
  const v6 = parseIPv6(ip);
  if (v6) return classify6(toBigInt(v6));
  return null;
}

/**
 * Why `ip` may not be a destination, as a phrase that follows "destination is"
 * (e.g. `a private address (10.0.0.0/8)`), or null if it is permitted.
 */
export function addressRefusal(ip: string, allowPrivate: boolean): string | null {
  const c = classifyAddress(ip);
  if (!c) return 'not an IP address';
  if (c.tier === 'public') return null;
  if (c.tier === 'private' && allowPrivate) return null;
  return c.description;
}

/** The full set of destination ports: 9735 plus the extra ones. */
export function portAllowList(extra: readonly number[]): ReadonlySet<number> {
  return new Set([DEFAULT_PORT, ...extra]);
}

/** Why `port` may not be a destination, or null if it is allowed. */
export function portRefusal(port: number, allowed: ReadonlySet<number>): string | null {
  if (allowed.has(port)) return null;
  const list = [...allowed].sort((a, b) => a - b).join(', ');
  return `port ${port} is not allowed (allowed: ${list})`;
}

/**
 * The key client connections are counted under for the per-IP cap: the IPv4 address (IPv4-mapped
 * IPv6 unwrapped), or the /64 prefix of an IPv6 address (one subscriber usually holds a whole /64).
 */
export function clientKey(ip: string): string {
  if (parseIPv4(ip)) return ip;
  const g = parseIPv6(ip);
  if (!g) return ip;
  if (g.slice(0, 6).every((x, i) => (i === 5 ? x === 0xffff : x === 0))) {
    return uint32ToString((((g[6] ?? 0) << 16) | (g[7] ?? 0)) >>> 0);
  }
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}
