/** The prefill fields of `/glint.config.json` (see deploy-defaults.ts), pure: a parsed body in, the well-formed prefills out. */

const PEER_URI = /^0[23][0-9a-f]{64}@\S{1,530}$/i;
const PROXY_URL = /^wss?:\/\/[^\s/?#]+\S*$/i;

/** The prefills a config body offers, if well formed. */
export function deployPrefills(body: unknown): { proxyUrl?: string; lastPeerUri?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const o = body as Record<string, unknown>;
  const out: { proxyUrl?: string; lastPeerUri?: string } = {};
  if (typeof o.proxy === 'string' && PROXY_URL.test(o.proxy) && o.proxy.length <= 2048) out.proxyUrl = o.proxy;
  const first = Array.isArray(o.peers) ? o.peers[0] : undefined;
  if (typeof first === 'string' && PEER_URI.test(first)) out.lastPeerUri = first;
  return out;
}
