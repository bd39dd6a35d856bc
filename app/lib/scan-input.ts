/**
 * What a scanned QR code or a pasted text is, and where it leads (issue 9 "Scan to pay"). One
 * pure classifier for the scanner's camera, image-file and paste paths:
 *
 *   - a BOLT 11 invoice (any case), a `lightning:` URI (BOLT 11 "Encoding Overview"), or a BIP 21
 *     `bitcoin:` URI with `lightning=` → the Lightning review (the BIP 21 address stays as the
 *     on-chain fallback);
 *   - a BIP 21 `bitcoin:` URI without `lightning=`, or a plain address → the on-chain send form;
 *   - a node URI `<node id>@<host>:<port>` (BOLT 7 address, as peer-input.ts reads it) → the
 *     open-channel form, prefilled;
 *   - LNURL (LUD-01 bech32 `lnurl1…`, behind `lightning:` too; LUD-17 `lnurlp://` …) and
 *     Lightning Addresses (LUD-16 `user@domain`) → recognised, reported as coming soon;
 *   - anything else → a clear message naming what was wrong.
 *
 * The sorting itself is the engine's (engine/invoice/payment-uri.ts `parsePaymentText`, which asks
 * lnurl.ts `recognizeLnurl`); the network checks are the ones the Send screen uses
 * (wallet-input.ts `checkAddress`) and BOLT 11's currency prefix (engine/invoice/amount.ts
 * `parseHrp`). The worker decodes and verifies the invoice itself on the review screen.
 */
import type { NetworkName } from '../../workers/rpc/protocol.ts';
import { parsePaymentText } from '../../engine/invoice/payment-uri.ts';
import { parseHrp } from '../../engine/invoice/amount.ts';
import type { LnurlKind } from '../../engine/invoice/lnurl.ts';
import { checkPeerUri } from './peer-input.ts';
import { checkAddress } from './wallet-input.ts';
import { classifySendText } from './payment-input.ts';
import { asSentence } from './rpc-error.ts';

export type ScanResult =
  /** Pay over Lightning: `sendText` goes into the Send screen (it routes to the Lightning review). */
  | {
      readonly kind: 'lightning';
      readonly invoice: string;
      readonly sendText: string;
      readonly network: NetworkName;
      /** The amount the invoice's human-readable part names (msat), when it names one. */
      readonly amountMsat?: bigint;
      /** A BIP 21 URI's on-chain address (and amount), for paying on chain instead. */
      readonly fallback?: { readonly address: string; readonly amountSat?: bigint };
    }
  /** Pay on chain: the address checked for this wallet's network, the BIP 21 amount when given. */
  | { readonly kind: 'onchain'; readonly address: string; readonly amountSat?: bigint; readonly label?: string; readonly message?: string }
  /** Open a channel to this node: `uri` prefills the open-channel form. */
  | { readonly kind: 'node'; readonly uri: string; readonly nodeId: string }
  /** LNURL or a Lightning Address: recognised, not payable yet. */
  | { readonly kind: 'lnurl'; readonly lnurl: LnurlKind; readonly url: string; readonly message: string }
  /** Not something this wallet can act on; `field` names the part that was wrong. */
  | { readonly kind: 'invalid'; readonly field: string; readonly message: string };

const NETWORK_WORDS: Record<NetworkName, string> = { bitcoin: 'mainnet (bitcoin)', testnet: 'testnet', signet: 'signet', regtest: 'regtest' };
const NODE_ID_AT = /^[0-9a-f]{66}(@|$)/i;

function invalid(field: string, message: string): ScanResult {
  return { kind: 'invalid', field, message };
}

/** What each engine field is called in a message. */
const FIELD_WORDS: Record<string, string> = {
  text: 'code',
  address: 'address',
  lightning: 'lightning= parameter',
  amount: 'amount',
  invoice: 'invoice',
  prefix: 'invoice prefix',
  lnurl: 'LNURL',
  user: 'Lightning Address',
  domain: 'Lightning Address domain',
};
const PREDICATE = /^(is|are|must|has|have|does|cannot|should)\b/;

/** An engine ValidationError (`field: words`) as a result whose message is a sentence. */
function fromError(err: unknown): ScanResult {
  const raw = (err as { field?: unknown } | null)?.field;
  const text = err instanceof Error ? err.message : String(err);
  if (typeof raw !== 'string') return invalid('text', asSentence(text));
  const bare = text.startsWith(`${raw}: `) ? text.slice(raw.length + 2) : text;
  const name = FIELD_WORDS[raw] ?? raw;
  const words = PREDICATE.test(bare) ? `This ${name} ${bare}` : bare.startsWith('"') ? `The ${name} ${bare}` : bare;
  return invalid(raw, `${asSentence(words).replace(/\.$/, '')}.`);
}

/** The BOLT 11 invoice's network (from its currency prefix), refused when it is not `network`. */
function lightning(invoice: string, network: NetworkName, fallback: ScanResult | null): ScanResult {
  const hrp = invoice.slice(0, invoice.lastIndexOf('1'));
  let parsed: ReturnType<typeof parseHrp>;
  try {
    parsed = parseHrp(hrp);
  } catch (err) {
    // What the Send screen already knows it cannot pay yet (a BOLT 12 offer) says so in its words.
    const send = classifySendText(invoice);
    return send.kind === 'unsupported' ? invalid('invoice', send.reason) : fromError(err);
  }
  if (parsed.network !== network) {
    return invalid('network', `That is a ${NETWORK_WORDS[parsed.network]} Lightning invoice; this wallet is on ${network}.`);
  }
  return {
    kind: 'lightning',
    invoice,
    sendText: invoice,
    network,
    ...(parsed.amountMsat !== undefined ? { amountMsat: parsed.amountMsat } : {}),
    ...(fallback?.kind === 'onchain' ? { fallback: { address: fallback.address, ...(fallback.amountSat !== undefined ? { amountSat: fallback.amountSat } : {}) } } : {}),
  };
}

function onchain(address: string, network: NetworkName, extra: { amountSat?: bigint; label?: string; message?: string }): ScanResult {
  const checked = checkAddress(address, network);
  if (!checked.ok) return invalid('address', checked.error);
  return { kind: 'onchain', address: checked.value, ...extra };
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

  // A node id first: `<66 hex>@host` would otherwise also read as a Lightning Address.
  if (NODE_ID_AT.test(text)) {
    const peer = checkPeerUri(text);
    if (!peer.ok) return invalid('node', peer.error);
    return { kind: 'node', uri: text, nodeId: peer.value.nodeId };
  }

  let parsed: ReturnType<typeof parsePaymentText>;
  try {
    parsed = parsePaymentText(text);
  } catch (err) {
    return fromError(err);
  }
  if (parsed.unsupported) {
    const { kind, url, reason } = parsed.unsupported;
    return { kind: 'lnurl', lnurl: kind, url, message: `Coming soon — ${reason}.` };
  }
  const extra = {
    ...(parsed.amountSat !== undefined ? { amountSat: parsed.amountSat } : {}),
    ...(parsed.label !== undefined ? { label: parsed.label } : {}),
    ...(parsed.message !== undefined ? { message: parsed.message } : {}),
  };
  if (parsed.invoice !== undefined) {
    // BIP 21 with `lightning=`: Lightning is preferred; a bad or foreign address only loses the fallback.
    const fallback = parsed.address !== undefined ? onchain(parsed.address, network, extra) : null;
    return lightning(parsed.invoice, network, fallback);
  }
  if (parsed.address !== undefined) return onchain(parsed.address, network, extra);
  return invalid('text', 'This code is not a Lightning invoice, a bitcoin address or a node.');
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
