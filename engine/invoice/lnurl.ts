/**
 * Recognise LNURL payment texts so they can be reported as "not supported yet" instead of being
 * mistaken for a BOLT 11 invoice or an address (issue 9). Nothing is fetched: this only says what
 * the text is and which URL it names.
 *
 *   - LUD-01 bech32 LNURL: `lnurl1…` (any case, no length limit), the data is the URL;
 *     also behind `lightning:`.
 *   - LUD-17 schemes: `lnurlp://`, `lnurlw://`, `lnurlc://`, `keyauth://` + host/path, meaning the
 *     same URL over https (http for an .onion host).
 *   - LUD-16 Lightning Address: `user@domain`, meaning https://domain/.well-known/lnurlp/user;
 *     the user name is a-z 0-9 - _ . + (LUD-16), the domain a DNS name.
 * A text that claims to be one of these but is malformed throws InvoiceError naming the part.
 */
import { decodeBech32, wordsToBytes } from './bech32-words.ts';
import { InvoiceError } from './errors.ts';
import { stripLightningScheme } from './decode.ts';

export type LnurlKind = 'lnurl' | 'lnurlp' | 'lnurlw' | 'lnurlc' | 'keyauth' | 'lightning-address';

/** A recognised LNURL text. Paying it is not supported yet; `reason` says so in words. */
export interface LnurlTarget {
  readonly kind: LnurlKind;
  /** The URL the text names (https, or http for .onion). */
  readonly url: string;
  readonly supported: false;
  readonly reason: string;
}

const MAX_LNURL_TEXT = 2048;
const SCHEMES: readonly LnurlKind[] = ['lnurlp', 'lnurlw', 'lnurlc', 'keyauth'];
const USER_RE = /^[a-z0-9\-_.+]{1,64}$/;
const LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function bad(field: string, message: string): InvoiceError {
  return new InvoiceError('invalid_payment_text', field, message);
}

const REASON: Record<LnurlKind, string> = {
  lnurl: 'LNURL is not supported yet: ask the payee for a BOLT 11 invoice (it starts with ln…)',
  lnurlp: 'LNURL-pay is not supported yet: ask the payee for a BOLT 11 invoice (it starts with ln…)',
  lnurlw: 'LNURL-withdraw is not supported yet',
  lnurlc: 'LNURL-channel is not supported yet',
  keyauth: 'LNURL-auth is not supported yet',
  'lightning-address': 'Lightning Addresses (user@domain) are not supported yet: ask the payee for a BOLT 11 invoice (it starts with ln…)',
};

function target(kind: LnurlKind, url: string): LnurlTarget {
  return { kind, url, supported: false, reason: REASON[kind] };
}

function checkDomain(host: string, field: string): string {
  const h = host.toLowerCase();
  if (h.length === 0 || h.length > 253) throw bad(field, 'is not a domain name');
  const labels = h.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL_RE.test(l))) throw bad(field, `"${host.slice(0, 80)}" is not a domain name`);
  return h;
}

/** https, or http for a Tor hidden service (LUD-01, LUD-17). */
function webScheme(host: string): string {
  return /\.onion(:\d+)?$/i.test(host) ? 'http' : 'https';
}

function decodeBech32Lnurl(text: string): LnurlTarget {
  const { hrp, words } = decodeBech32(text, 'lnurl');
  if (hrp !== 'lnurl') throw bad('lnurl', `bech32 prefix "${hrp}" is not lnurl`);
  const bytes = wordsToBytes(words);
  // A URL is printable ASCII (anything else is percent-encoded, RFC 3986).
  if (bytes.some((b) => b < 0x21 || b > 0x7e)) throw bad('lnurl', 'does not hold a URL (non-ASCII bytes)');
  const url = String.fromCharCode(...bytes);
  const m = /^(https?):\/\/([^/?#\s]+)([^\s]*)$/i.exec(url);
  if (!m) throw bad('lnurl', 'does not hold an http(s) URL');
  const host = (m[2] as string).toLowerCase();
  // LUD-01: https, except for an .onion host which may use http.
  if ((m[1] as string).toLowerCase() === 'http' && !/\.onion(:\d+)?$/.test(host)) throw bad('lnurl', 'holds a plain http URL (LNURL requires https except for .onion)');
  return target('lnurl', url);
}

/**
 * The LNURL this text is, or undefined when it is not an LNURL text at all (let the other parsers
 * look at it). Throws InvoiceError when it is clearly meant as one but is malformed.
 */
export function recognizeLnurl(text: string): LnurlTarget | undefined {
  if (typeof text !== 'string') throw bad('text', 'must be a string');
  const t = text.trim();
  if (t.length === 0 || t.length > MAX_LNURL_TEXT) return undefined;
  const bare = stripLightningScheme(t);
  if (/^lnurl1/i.test(bare)) return decodeBech32Lnurl(bare);
  const scheme = /^([a-z]+):\/\/(.*)$/i.exec(t);
  if (scheme) {
    const kind = (scheme[1] as string).toLowerCase() as LnurlKind;
    if (!SCHEMES.includes(kind)) return undefined;
    const rest = scheme[2] as string;
    const m = /^([^/?#\s]+)([^\s]*)$/.exec(rest);
    if (!m) throw bad(kind, 'has no host');
    const [hostname, port] = (m[1] as string).split(':', 2) as [string, string | undefined];
    if (port !== undefined && !/^\d{1,5}$/.test(port)) throw bad(kind, 'has a bad port');
    const host = checkDomain(hostname, kind);
    const hostPort = port === undefined ? host : `${host}:${port}`;
    return target(kind, `${webScheme(hostPort)}://${hostPort}${m[2] as string}`);
  }
  const at = t.indexOf('@');
  if (at > 0 && at === t.lastIndexOf('@') && !/[\s/:?#]/.test(t)) {
    const user = t.slice(0, at).toLowerCase();
    const domain = t.slice(at + 1);
    if (!USER_RE.test(user)) throw bad('user', 'a Lightning Address user name is a-z, 0-9, -, _, . and +');
    const host = checkDomain(domain, 'domain');
    return target('lightning-address', `${webScheme(host)}://${host}/.well-known/lnurlp/${user}`);
  }
  return undefined;
}
