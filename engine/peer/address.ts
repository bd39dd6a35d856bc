/**
 * Peer addresses and how to reach them.
 *
 * A peer URI is `<33-byte node id as 66 hex>@<host>:<port>` (BOLT 7 address, as every node prints
 * it), with `host` a DNS name, an IPv4 address or a bracketed IPv6 address; or
 * `<node id>@ws(s)://…` for a peer (or a single-target websockify bridge) reached directly over
 * WebSocket.
 *
 * A proxy is a WebSocket→TCP bridge. Two forms are accepted:
 * - a base URL `ws(s)://proxy[/prefix]`: the path `/v1/<host with . replaced by _>/<port>` is
 *   appended (the scheme of existing public Lightning proxies);
 * - a template containing `{host}` and `{port}` (e.g. `wss://p.example/{host}/{port}`), filled in
 *   verbatim.
 */
import { bytesToHex, hexToBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import { isValidPublicKey } from '../crypto/secp256k1.ts';
import type { TransportTarget } from '../ports.ts';

export interface PeerAddress {
  readonly nodeId: Uint8Array;
  readonly nodeIdHex: string;
  /** Host as typed (IPv6 without brackets); empty for a direct WebSocket URL. */
  readonly host: string;
  readonly port: number;
  /** Set when the peer is reached directly over WebSocket. */
  readonly url?: string;
}

const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const IPV6 = /^[0-9a-fA-F:.]{2,45}$/;
const WS_URL = /^wss?:\/\/[^\s/?#]+(\/[^\s#]*)?$/;

/** Parse and validate a node id (hex of a valid compressed secp256k1 point). */
export function parseNodeId(text: string, field = 'node id'): Uint8Array {
  if (!/^[0-9a-fA-F]{66}$/.test(text)) throw new ValidationError(field, 'must be 66 hex characters (a 33-byte public key)');
  const bytes = hexToBytes(text.toLowerCase());
  if (!isValidPublicKey(bytes)) throw new ValidationError(field, 'is not a valid secp256k1 public key');
  return bytes;
}

function parsePort(text: string, field: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw new ValidationError(field, `port must be a number from 1 to 65535, got "${text}"`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new ValidationError(field, `port must be from 1 to 65535, got ${port}`);
  return port;
}

/** Split `host:port` or `[v6]:port`. */
export function parseHostPort(text: string, field = 'address'): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0 || text[end + 1] !== ':') throw new ValidationError(field, 'IPv6 address must be written [addr]:port');
    host = text.slice(1, end);
    portText = text.slice(end + 2);
    if (!IPV6.test(host) || !host.includes(':')) throw new ValidationError(field, `"${host}" is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) throw new ValidationError(field, 'missing ":port" (e.g. 127.0.0.1:9735)');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) throw new ValidationError(field, 'IPv6 address must be written [addr]:port');
    if (!HOSTNAME.test(host)) throw new ValidationError(field, `"${host}" is not a valid host name or IPv4 address`);
  }
  return { host, port: parsePort(portText, field) };
}

/** Parse `pubkey@host:port` or `pubkey@ws(s)://…`. Throws ValidationError with a one-line reason. */
export function parsePeerUri(uri: string): PeerAddress {
  const text = uri.trim();
  const at = text.indexOf('@');
  if (at < 0) throw new ValidationError('peer', 'expected <node id>@<host>:<port>');
  const nodeId = parseNodeId(text.slice(0, at), 'peer node id');
  const nodeIdHex = bytesToHex(nodeId);
  const rest = text.slice(at + 1);
  if (/^wss?:\/\//i.test(rest)) {
    if (!WS_URL.test(rest)) throw new ValidationError('peer', `"${rest}" is not a valid ws:// or wss:// URL`);
    return { nodeId, nodeIdHex, host: '', port: 0, url: rest };
  }
  const { host, port } = parseHostPort(rest, 'peer address');
  return { nodeId, nodeIdHex, host, port };
}

/** Validate a proxy URL (base or template); returns it normalised (no trailing slash on a base). */
export function parseProxyUrl(proxy: string): string {
  const text = proxy.trim();
  const isTemplate = text.includes('{host}') || text.includes('{port}');
  if (isTemplate && !(text.includes('{host}') && text.includes('{port}'))) {
    throw new ValidationError('proxy', 'a template must contain both {host} and {port}');
  }
  const probe = text.replace('{host}', 'h').replace('{port}', '1');
  if (!WS_URL.test(probe)) throw new ValidationError('proxy', `"${text}" is not a ws:// or wss:// URL`);
  if (!isTemplate && /[?#]/.test(text)) throw new ValidationError('proxy', 'a base URL cannot have a query or fragment; use a {host}/{port} template');
  return isTemplate ? text : text.replace(/\/+$/, '');
}

/** The WebSocket URL that reaches `host:port` through `proxy`. */
export function proxyUrlFor(proxy: string, host: string, port: number): string {
  const p = parseProxyUrl(proxy);
  if (p.includes('{host}')) return p.replaceAll('{host}', host.includes(':') ? `[${host}]` : host).replaceAll('{port}', String(port));
  if (host.includes(':')) throw new ValidationError('proxy', 'the /v1/<host>/<port> proxy scheme cannot express IPv6 addresses; use a {host}/{port} template');
  return `${p}/v1/${host.replaceAll('.', '_')}/${port}`;
}

/** How to reach `addr`: directly over WebSocket, through `proxy`, or over plain TCP. */
export function transportFor(addr: PeerAddress, proxy?: string): TransportTarget {
  if (addr.url) return { kind: 'websocket', url: addr.url };
  if (proxy !== undefined && proxy !== '') return { kind: 'websocket', url: proxyUrlFor(proxy, addr.host, addr.port) };
  return { kind: 'tcp', host: addr.host, port: addr.port };
}

/** `pubkey@host:port` back as text. */
export function formatPeerAddress(addr: PeerAddress): string {
  if (addr.url) return `${addr.nodeIdHex}@${addr.url}`;
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return `${addr.nodeIdHex}@${host}:${addr.port}`;
}
