/**
 * What a scanned QR code or a pasted text is, and where it leads (issue 9 "Scan to pay"). One
 * pure classifier for the scanner's camera, image-file and paste paths:
 *
 *   - a BOLT 11 invoice (any case), a `lightning:` URI (BOLT 11 "Encoding Overview"), or a BIP 21
 *     `bitcoin:` URI with `lightning=` → the Lightning review (a BIP 21 URI's address is kept as
 *     the on-chain fallback);
 *   - a BIP 21 `bitcoin:` URI without `lightning=`, or a plain address → the on-chain send form,
 *     checked for this wallet's network;
 *   - a node URI `<node id>@<host>:<port>` → the open-channel form, prefilled;
 *   - LNURL (LUD-01 bech32 `lnurl1…`, also behind `lightning:`; LUD-17 `lnurlp://` …) and
 *     Lightning Addresses (LUD-16 `user@domain`) → recognised, reported as coming soon;
 *   - anything else → a clear message.
 *
 * It is built on the screens' own checks — payment-input.ts `classifySendText` (the Send screen's
 * router for invoices, URIs and addresses), peer-input.ts `checkPeerUri`, wallet-input.ts
 * `checkAddress` — and adds only what a scanner needs on top (node URIs first, LNURL behind
 * `lightning:` and Lightning Addresses, the invoice's network, BIP 21's `req-` rule and the
 * on-chain fallback). The app may not import the engine (DESIGN rule 8): the node worker decodes
 * and verifies the invoice itself (`invoice.decode`, engine/invoice/payment-uri.ts) on the review.
 */
import type { NetworkName } from '../../workers/rpc/protocol.ts';
import { classifySendText } from './payment-input.ts';
import { checkPeerUri } from './peer-input.ts';
import { checkAddress } from './wallet-input.ts';

export type LnurlKind = 'lnurl' | 'lnurlp' | 'lnurlw' | 'lnurlc' | 'keyauth' | 'lightning-address';

export type ScanResult =
  /** Pay over Lightning: `sendText` goes into the Send screen, which has the node decode it. */
  | {
      readonly kind: 'lightning';
      readonly invoice: string;
      readonly sendText: string;
      readonly network: NetworkName;
      /** A BIP 21 URI's on-chain address (and amount), for paying on chain instead. */
      readonly fallback?: { readonly address: string; readonly amountSat?: bigint };
    }
  /** Pay on chain: the address checked for this wallet's network, the BIP 21 amount when given. */
  | { readonly kind: 'onchain'; readonly address: string; readonly amountSat?: bigint }
  /** Open a channel to this node: `uri` prefills the open-channel form. */
  | { readonly kind: 'node'; readonly uri: string; readonly nodeId: string }
  /** LNURL or a Lightning Address: recognised, not payable yet. */
  | { readonly kind: 'lnurl'; readonly lnurl: LnurlKind; readonly message: string }
  /** Not something this wallet can act on; `field` names the part that was wrong. */
  | { readonly kind: 'invalid'; readonly field: string; readonly message: string };

/** Longer than any payment text (the worker's limit for invoice.decode is lower still). */
const MAX_TEXT = 16_384;
const NODE_ID_AT = /^[0-9a-f]{66}(@|$)/i;
const BECH32 = '[qpzry9x8gf2tvdw0s3jn54khce6mua7l]';
const INVOICE = new RegExp(`^ln[a-z0-9]+1${BECH32}+$`);
/** BOLT 11 "Human-Readable Part": `ln` + the BIP 173 currency prefix, longest first. */
const INVOICE_PREFIXES: readonly (readonly [string, NetworkName])[] = [
  ['lnbcrt', 'regtest'],
  ['lntbs', 'signet'],
  ['lntb', 'testnet'],
  ['lnbc', 'bitcoin'],
];
const NETWORK_WORDS: Record<NetworkName, string> = { bitcoin: 'mainnet (bitcoin)', testnet: 'testnet', signet: 'signet', regtest: 'regtest' };
/** LUD-16: user name a-z 0-9 - _ . +, then a DNS name with a dot. */
const LIGHTNING_ADDRESS = /^[a-z0-9\-_.+]{1,64}@(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
const LNURL_SCHEME = /^(lnurlp|lnurlw|lnurlc|keyauth):\/\/[^/?#\s]+/i;
const COMING_SOON: Record<LnurlKind, string> = {
  lnurl: 'Coming soon: LNURL codes cannot be paid yet. Ask the payee for a Lightning invoice (it starts with ln…).',
  lnurlp: 'Coming soon: LNURL-pay codes cannot be paid yet. Ask the payee for a Lightning invoice (it starts with ln…).',
  lnurlw: 'Coming soon: LNURL-withdraw is not supported yet.',
  lnurlc: 'Coming soon: LNURL-channel is not supported yet.',
  keyauth: 'Coming soon: LNURL-auth is not supported yet.',
  'lightning-address': 'Coming soon: Lightning Addresses (user@domain) cannot be paid yet. Ask the payee for a Lightning invoice (it starts with ln…).',
};

function invalid(field: string, message: string): ScanResult {
  return { kind: 'invalid', field, message };
}

function lnurl(kind: LnurlKind): ScanResult {
  return { kind: 'lnurl', lnurl: kind, message: COMING_SOON[kind] };
}

/** LNURL in any of its forms (LUD-01, LUD-16, LUD-17), or null. */
function recognizeLnurl(text: string): ScanResult | null {
  const bare = text.replace(/^lightning:(\/\/)?/i, '');
  if (/^lnurl1/i.test(bare)) {
    if (!new RegExp(`^lnurl1${BECH32}{6,}$`).test(bare.toLowerCase())) return invalid('lnurl', 'This LNURL is damaged: it has characters an LNURL cannot contain.');
    return lnurl('lnurl');
  }
  const scheme = LNURL_SCHEME.exec(text);
  if (scheme) return lnurl((scheme[1] as string).toLowerCase() as LnurlKind);
  if (/^(lnurlp|lnurlw|lnurlc|keyauth):/i.test(text)) return invalid('lnurl', 'This LNURL names no web address.');
  if (LIGHTNING_ADDRESS.test(text)) return lnurl('lightning-address');
  return null;
}

/** The BIP 21 query parameters, keys lowercased; values as written. */
function bip21Params(text: string): { path: string; params: [string, string][] } {
  const rest = text.slice('bitcoin:'.length);
  const q = rest.indexOf('?');
  const path = (q < 0 ? rest : rest.slice(0, q)).replace(/^\/\//, '');
  const params = (q < 0 ? '' : rest.slice(q + 1))
    .split('&')
    .filter((p) => p !== '')
    .map((p): [string, string] => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p.toLowerCase(), ''] : [p.slice(0, eq).toLowerCase(), p.slice(eq + 1)];
    });
  return { path, params };
}

/** An address (or a BIP 21 URI without lightning=) for `network`, with the amount the Send screen read. */
function onchain(text: string, network: NetworkName): ScanResult {
  const sorted = classifySendText(text);
  if (sorted.kind !== 'onchain') return invalid('text', 'This code is not a bitcoin address.');
  const checked = checkAddress(sorted.address, network);
  if (!checked.ok) {
    const looksLikeAddress = /^(bc|tb|bcrt)1/i.test(sorted.address) || /^[123mn][1-9A-HJ-NP-Za-km-z]{24,34}$/.test(sorted.address);
    if (!looksLikeAddress && !/^bitcoin:/i.test(text)) return invalid('text', 'This code is not a Lightning invoice, a bitcoin address or a node.');
    return invalid('address', checked.error);
  }
  return { kind: 'onchain', address: checked.value, ...(sorted.amountSat !== undefined ? { amountSat: sorted.amountSat } : {}) };
}

/** A BOLT 11 invoice for `network` (its currency prefix says which). */
function lightning(invoice: string, sendText: string, network: NetworkName, fallback: ScanResult | null): ScanResult {
  if (!INVOICE.test(invoice)) return invalid('invoice', 'This is not a Lightning invoice: an invoice is ln… followed by letters and digits only.');
  const prefix = INVOICE_PREFIXES.find(([p]) => invoice.startsWith(p));
  if (!prefix) return invalid('invoice', `This invoice’s prefix (${invoice.slice(0, 6)}…) names no known network: invoices start with lnbc, lntb, lntbs or lnbcrt.`);
  if (prefix[1] !== network) return invalid('network', `That is a ${NETWORK_WORDS[prefix[1]]} Lightning invoice; this wallet is on ${network}.`);
  return {
    kind: 'lightning',
    invoice,
    sendText,
    network,
    ...(fallback?.kind === 'onchain' ? { fallback: { address: fallback.address, ...(fallback.amountSat !== undefined ? { amountSat: fallback.amountSat } : {}) } } : {}),
  };
}

/**
 * Classify what was scanned or pasted, for a wallet on `network`. Surrounding whitespace and line
 * breaks inside (a code copied over several lines) are ignored; case does not matter where the
 * format says it does not (QR codes carry invoices and bech32 addresses in upper case).
 */
export function classifyScan(input: string, network: NetworkName): ScanResult {
  if (typeof input !== 'string') return invalid('text', 'Nothing was read.');
  const text = input.replace(/\s+/g, '');
  if (text === '') return invalid('text', 'The code is empty.');
  if (text.length > MAX_TEXT) return invalid('text', `This code is too long to be a payment (${text.length} characters).`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return invalid('text', 'This code holds binary data, not a payment.');

  // A node id first: `<66 hex>@host` would otherwise also read as a Lightning Address.
  if (NODE_ID_AT.test(text)) {
    const peer = checkPeerUri(text);
    if (!peer.ok) return invalid('node', peer.error);
    return { kind: 'node', uri: text, nodeId: peer.value.nodeId };
  }
  const ln = recognizeLnurl(text);
  if (ln) return ln;

  const sorted = classifySendText(text);
  if (sorted.kind === 'empty') return invalid('text', 'The code is empty.');
  if (sorted.kind === 'unsupported') return invalid('text', sorted.reason);

  if (/^bitcoin:/i.test(text)) {
    const { path, params } = bip21Params(text);
    // BIP 21: a required parameter this wallet does not understand makes the URI unusable.
    const required = params.find(([k]) => k.startsWith('req-'));
    if (required) return invalid(required[0], `This payment link needs “${required[0]}”, which this wallet does not understand; it cannot be paid safely.`);
    const amount = params.find(([k]) => k === 'amount');
    if (amount && !/^\d{1,8}(\.\d{1,8})?$/.test(amount[1])) return invalid('amount', `The amount “${amount[1]}” is not a bitcoin amount (at most 8 decimals).`);
    const invoiceParam = params.find(([k, v]) => k === 'lightning' && v !== '');
    // Without its lightning= parameter, the same URI is the on-chain fallback (or the payment).
    const withoutLightning = `bitcoin:${path}${params.some(([k]) => k !== 'lightning') ? '?' : ''}${params.filter(([k]) => k !== 'lightning').map(([k, v]) => `${k}=${v}`).join('&')}`;
    if (!invoiceParam) {
      if (path === '') return invalid('address', 'This bitcoin: link has neither an address nor a Lightning invoice.');
      return onchain(withoutLightning, network);
    }
    const invoice = invoiceParam[1].replace(/^lightning:(\/\/)?/i, '').toLowerCase();
    // Lightning is preferred; a bad or foreign fallback address only loses the fallback.
    return lightning(invoice, invoice, network, path === '' ? null : onchain(withoutLightning, network));
  }
  if (sorted.kind === 'lightning') {
    const invoice = sorted.text.replace(/^lightning:(\/\/)?/i, '').toLowerCase();
    return lightning(invoice, invoice, network, null);
  }
  return onchain(text, network);
}

/** A one-line summary of a result, for the scanner's status line and screen readers. */
export function describeScan(result: ScanResult): string {
  switch (result.kind) {
    case 'lightning':
      return 'A Lightning invoice: review it next, nothing is paid yet.';
    case 'onchain':
      return 'A bitcoin address: review the payment next, nothing is sent yet.';
    case 'node':
      return 'A Lightning node: open a channel to it next.';
    case 'lnurl':
    case 'invalid':
      return result.message;
  }
}
