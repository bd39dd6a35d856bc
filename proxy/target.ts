// Parsing of the request path into a destination.
//
//   /v1/<host>/<port>
//
// <host> is one of
//   - an IPv4 address with every `.` written as `_`      /v1/203_0_113_7/9735   (dots also accepted)
//   - a DNS hostname with every `.` written as `_`       /v1/node_example_com/9735
//   - an IPv6 address, bare or in brackets, optionally percent-encoded
//                                                        /v1/[2001:db8::1]/9735, /v1/%5B%3A%3A1%5D/9735
// <port> is a decimal number 1-65535 without leading zeros. A query string is ignored; one trailing
// slash is tolerated. The path is taken raw from the request line (no `..` resolution), so anything
// else - `/v1/../..`, extra segments, IPv6 zone ids, inet_aton forms like `127.1` - is refused.

import { isIPv6 } from 'node:net';
import { parseIPv4 } from './policy.ts';

export interface Target {
  readonly kind: 'ipv4' | 'ipv6' | 'hostname';
  /** The address or hostname to resolve/connect to, without brackets. */
  readonly host: string;
  readonly port: number;
  /** `host:port`, with IPv6 in brackets; used in messages and logs. */
  readonly display: string;
}

export type TargetResult = { ok: true; target: Target } | { ok: false; error: string };

const USAGE = 'expected /v1/<host with . written as _>/<port>';

/** Shortens and sanitises a client-supplied string for inclusion in a message. */
export function quote(s: string, max = 80): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > max ? `${clean.slice(0, max)}...` : clean);
}

function fail(path: string, why: string): TargetResult {
  return { ok: false, error: `Bad request path ${quote(path)}: ${why}` };
}

function isHostname(h: string): boolean {
  if (h.length === 0 || h.length > 253) return false;
  const labels = h.split('.');
  for (const l of labels) {
    if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) return false;
  }
  // An all-numeric last label is never a DNS name; getaddrinfo would read it as an IPv4 shorthand.
  return !/^[0-9]+$/.test(labels[labels.length - 1] ?? '');
}

export function parseTargetPath(rawUrl: string): TargetResult {
  const q = rawUrl.search(/[?#]/);
  const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  if (!path.startsWith('/v1/')) return fail(path, USAGE);
  let rest = path.slice('/v1/'.length);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  const parts = rest.split('/');
  if (parts.length !== 2) return fail(path, USAGE);
  const [hostSeg = '', portSeg = ''] = parts;
  const host = parseHost(hostSeg);
  if (typeof host !== 'object') return fail(path, host);
  if (!/^[1-9][0-9]{0,4}$/.test(portSeg) || Number(portSeg) > 65535) {
    return fail(path, `port ${quote(portSeg, 20)} is not a number from 1 to 65535`);
  }
  const port = Number(portSeg);
  const display = host.kind === 'ipv6' ? `[${host.host}]:${port}` : `${host.host}:${port}`;
  return { ok: true, target: { ...host, port, display } };
}

/** The host segment as a destination, or why not. */
function parseHost(hostSeg: string): { kind: Target['kind']; host: string } | string {
  let host: string;
  try {
    host = decodeURIComponent(hostSeg);
  } catch {
    return `host ${quote(hostSeg)} is not valid percent-encoding`;
  }
  if (host.length === 0) return `host is empty; ${USAGE}`;

  const bracketed = host.startsWith('[') && host.endsWith(']');
  const inner = (bracketed ? host.slice(1, -1) : host).replace(/_/g, '.').toLowerCase();
  if (inner.includes(':')) {
    if (inner.includes('%') || !isIPv6(inner)) {
      return `host ${quote(host)} is not a valid IPv6 address (zone ids are not supported)`;
    }
    return { kind: 'ipv6', host: inner };
  }
  if (bracketed) return `host ${quote(host)} is not a valid IPv6 address`;
  if (/^[0-9][0-9.]*$/.test(inner)) {
    if (!parseIPv4(inner)) {
      return `host ${quote(host)} is not a valid IPv4 address (four decimal octets, no leading zeros)`;
    }
    return { kind: 'ipv4', host: inner };
  }
  if (!isHostname(inner)) return `host ${quote(host)} is not a valid hostname or IP address`;
  return { kind: 'hostname', host: inner };
}
