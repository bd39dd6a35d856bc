/**
 * Per-network chain defaults: the one table of public Esplora servers the worker, the app (through
 * the worker's status) and the CLI all use. Regtest has no public server: a deployment names one
 * in glint.config.json (the playground does), the CLI needs `--esplora`.
 *
 * Esplora REST API: https://github.com/Blockstream/esplora/blob/master/API.md
 */
import { ValidationError } from '../lib/errors.ts';
import type { NetworkName } from '../wire/chains.ts';

/** Public Esplora base URLs (no trailing slash), per network that has one. */
export const DEFAULT_ESPLORA_URLS: Readonly<Partial<Record<NetworkName, string>>> = Object.freeze({
  bitcoin: 'https://blockstream.info/api',
  testnet: 'https://blockstream.info/testnet/api',
  signet: 'https://mempool.space/signet/api',
});

/**
 * Where the playground's Esplora API listens by default (`npm start`, `--esplora-port` 3002): the
 * browser app's regtest fallback when no glint.config.json names a server. Loopback only.
 */
export const PLAYGROUND_ESPLORA_URL = 'http://127.0.0.1:3002';

/** The public Esplora server for `network`, or undefined (regtest). */
export function defaultEsploraUrl(network: NetworkName): string | undefined {
  return DEFAULT_ESPLORA_URLS[network];
}

/** Longest Esplora base URL accepted (a URL, not a document). */
const MAX_URL_LENGTH = 2048;

/**
 * Validate an Esplora base URL typed by a user or read from a config file: http(s), a host, no
 * query or fragment, no whitespace. Returns it without trailing slashes; errors name `field`.
 */
export function parseEsploraUrl(text: string, field: string): string {
  const t = text.trim();
  if (t === '') throw new ValidationError(field, 'is empty; give an Esplora base URL such as https://mempool.space/signet/api');
  if (t.length > MAX_URL_LENGTH) throw new ValidationError(field, `is longer than ${MAX_URL_LENGTH} characters`);
  if (!/^https?:\/\/[^\s/?#]+[^\s]*$/i.test(t)) throw new ValidationError(field, `"${t.slice(0, 80)}" is not an http:// or https:// URL`);
  const m = /^https?:\/\/([^\s/?#]+)([^\s?#]*)([?#].*)?$/i.exec(t);
  if (m?.[3] !== undefined) throw new ValidationError(field, 'give the base URL only, without ?query or #fragment');
  const host = m?.[1] ?? '';
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(host)) throw new ValidationError(field, `"${host.slice(0, 80)}" is not a valid host`);
  return t.replace(/\/+$/, '');
}
