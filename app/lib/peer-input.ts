/**
 * Shape checks for what the user types on the Peers screen, so obvious mistakes get a helpful
 * message before anything is sent. The node worker validates again and its message is the one
 * that counts; these checks only ever reject input the worker would reject too.
 */

export type PeerTarget = { kind: 'tcp'; host: string; port: number } | { kind: 'websocket'; url: string };

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const HEX66 = /^[0-9a-fA-F]{66}$/;
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const EXAMPLE_PEER = '<node id>@<host>:<port>';

function checkPort(text: string): Checked<number> {
  if (!/^[0-9]{1,5}$/.test(text)) return { ok: false, error: `The port must be a number from 1 to 65535, not “${text}”.` };
  const port = Number(text);
  if (port < 1 || port > 65535) return { ok: false, error: `The port must be from 1 to 65535, not ${port}.` };
  return { ok: true, value: port };
}

/** Check `<66-hex node id>@<host>:<port>` (or `@[v6]:port`, or `@ws(s)://…`). */
export function checkPeerUri(input: string): Checked<{ nodeId: string; target: PeerTarget }> {
  const text = input.trim();
  if (text === '') return { ok: false, error: `Enter a peer as ${EXAMPLE_PEER}.` };
  const at = text.indexOf('@');
  if (at < 0) {
    if (HEX66.test(text)) return { ok: false, error: 'Add the peer’s address after the node id: @<host>:<port>.' };
    return { ok: false, error: `A peer is written ${EXAMPLE_PEER} — there is no “@”.` };
  }
  const id = text.slice(0, at);
  if (!/^[0-9a-fA-F]*$/.test(id)) return { ok: false, error: 'The node id must be hexadecimal (0-9, a-f).' };
  if (id.length !== 66) return { ok: false, error: `The node id must be 66 hex characters (a 33-byte public key); this one has ${id.length}.` };
  if (!/^0[23]/.test(id)) return { ok: false, error: 'The node id must start with 02 or 03 (a compressed public key).' };
  const rest = text.slice(at + 1);
  if (/^wss?:\/\//i.test(rest)) {
    try {
      new URL(rest);
    } catch {
      return { ok: false, error: `“${rest}” is not a valid WebSocket URL.` };
    }
    return { ok: true, value: { nodeId: id.toLowerCase(), target: { kind: 'websocket', url: rest } } };
  }
  if (/^[a-z]+:\/\//i.test(rest)) return { ok: false, error: 'Only ws:// and wss:// URLs can follow the “@”, or a plain host:port.' };
  let host: string;
  let portText: string;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0 || rest[end + 1] !== ':') return { ok: false, error: 'Write an IPv6 address as [address]:port.' };
    host = rest.slice(1, end);
    portText = rest.slice(end + 2);
    if (!/^[0-9a-fA-F:.]{2,45}$/.test(host) || !host.includes(':')) return { ok: false, error: `“${host}” is not an IPv6 address.` };
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon < 0) return { ok: false, error: 'The address needs a port, e.g. …@203.0.113.7:9735.' };
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (host === '') return { ok: false, error: 'The host is missing before the “:port”.' };
    if (host.includes(':')) return { ok: false, error: 'Write an IPv6 address as [address]:port.' };
    if (!HOSTNAME.test(host)) return { ok: false, error: `“${host}” is not a valid host name or IPv4 address.` };
  }
  const port = checkPort(portText);
  if (!port.ok) return port;
  return { ok: true, value: { nodeId: id.toLowerCase(), target: { kind: 'tcp', host, port: port.value } } };
}

/**
 * Check a proxy URL: a base such as `ws://127.0.0.1:8080` (the node appends
 * `/v1/<host>/<port>`) or a template with `{host}` and `{port}`. Empty is allowed unless the peer
 * can only be reached over TCP.
 */
export function checkProxyUrl(input: string, required: boolean): Checked<string | null> {
  const text = input.trim();
  if (text === '') {
    if (required) return { ok: false, error: 'A browser cannot open TCP connections: enter a WebSocket proxy URL, e.g. ws://127.0.0.1:8080.' };
    return { ok: true, value: null };
  }
  if (/^https?:\/\//i.test(text)) return { ok: false, error: `The proxy is a WebSocket URL: try ${text.replace(/^http/i, 'ws')}.` };
  if (!/^wss?:\/\//i.test(text)) return { ok: false, error: 'The proxy URL must start with ws:// or wss://.' };
  const hasHost = text.includes('{host}');
  const hasPort = text.includes('{port}');
  if (hasHost !== hasPort) return { ok: false, error: 'A proxy template needs both {host} and {port}.' };
  let url: URL;
  try {
    url = new URL(text.replaceAll('{host}', 'h').replaceAll('{port}', '1'));
  } catch {
    return { ok: false, error: `“${text}” is not a valid URL.` };
  }
  if (url.hostname === '') return { ok: false, error: 'The proxy URL has no host.' };
  if (!hasHost && (url.search !== '' || url.hash !== '')) return { ok: false, error: 'A proxy base URL cannot have a ?query or #fragment; use a {host}/{port} template instead.' };
  return { ok: true, value: text };
}
