/**
 * The Lightning screens' pure parts: what a pasted payment text is (a BOLT 11 invoice, a
 * `lightning:` URI, a BIP21 `bitcoin:` URI with or without `lightning=`, or an on-chain address),
 * Lightning amounts typed in sats with millisatoshi precision, and the words and figures the
 * Receive / Send / history screens show. The node worker decodes and checks the invoice itself
 * (`invoice.decode`, BOLT 11 with its signature); these checks only route the text and catch the
 * obvious, and never reject what the worker would accept.
 */
import type { Checked } from './peer-input.ts';
import { amountParts } from './amount.ts';
import { asSentence } from './rpc-error.ts';

/** The most millisatoshis there will ever be (21 million BTC). */
export const MAX_MSAT = 2_100_000_000_000_000_000n;

/** What one pasted text is, so the Send screen knows which flow it belongs to. */
export type SendTarget =
  | { readonly kind: 'empty' }
  /** Decode `text` with `invoice.decode` (it accepts the invoice, the `lightning:` URI or the BIP21 URI as pasted). */
  | { readonly kind: 'lightning'; readonly text: string }
  /** On-chain: the address (the existing send form checks it), and the BIP21 amount when one was given. */
  | { readonly kind: 'onchain'; readonly address: string; readonly amountSat?: bigint }
  | { readonly kind: 'unsupported'; readonly reason: string };

/** A BIP21 `amount=` (BTC, at most 8 decimals) in sats, or undefined when absent or malformed. */
function bip21AmountSat(value: string | null): bigint | undefined {
  if (value === null || !/^\d{1,8}(\.\d{1,8})?$/.test(value)) return undefined;
  const [whole = '0', frac = ''] = value.split('.');
  return BigInt(whole) * 100_000_000n + BigInt(frac.padEnd(8, '0'));
}

/**
 * Classify a pasted or typed payment text. Whitespace and line breaks inside (a code copied over
 * several lines) are dropped; the case of an invoice does not matter (QR codes use upper case).
 */
export function classifySendText(input: string): SendTarget {
  const text = input.replace(/\s+/g, '');
  if (text === '') return { kind: 'empty' };
  const lower = text.toLowerCase();
  if (lower.startsWith('lightning:')) return { kind: 'lightning', text };
  if (lower.startsWith('lnurl') || lower.startsWith('lnurlp:') || lower.startsWith('lnurlw:')) {
    return { kind: 'unsupported', reason: 'LNURL is not supported yet: ask the payee for a BOLT 11 invoice (it starts with ln…).' };
  }
  if (lower.startsWith('lno1')) return { kind: 'unsupported', reason: 'BOLT 12 offers (lno1…) are not supported yet: ask the payee for a BOLT 11 invoice.' };
  // BOLT 11 invoices start with `ln` + the currency prefix (lnbc, lntb, lntbs, lnbcrt); no Bitcoin
  // address does, so anything else starting with `ln` goes to the decoder too, for its reason.
  if (lower.startsWith('ln')) return { kind: 'lightning', text };
  if (lower.startsWith('bitcoin:')) {
    const [path = '', query = ''] = text.slice(8).split('?', 2);
    const params = new URLSearchParams(query);
    for (const [key, value] of params) if (key.toLowerCase() === 'lightning' && value !== '') return { kind: 'lightning', text };
    const amountSat = bip21AmountSat(params.get('amount'));
    return amountSat === undefined ? { kind: 'onchain', address: path } : { kind: 'onchain', address: path, amountSat };
  }
  return { kind: 'onchain', address: text };
}

/**
 * A Lightning amount typed in sats — whole (`1500`, `1,500`) or with up to three decimals for
 * millisatoshis (`0.5`, `1500.250`) — as msat. More than zero, at most `maxMsat` when given.
 */
export function checkLightningAmount(input: string, opts: { maxMsat?: bigint | null; minMsat?: bigint } = {}): Checked<bigint> {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'Enter the amount in sats.' };
  const compact = /^\d{1,3}([, \u00a0\u202f]\d{3})+(\.\d+)?$/.test(text) ? text.replace(/[, \u00a0\u202f]/g, '') : text;
  if (/^-/.test(compact)) return { ok: false, error: 'The amount must be positive.' };
  if (!/^\d+(\.\d+)?$/.test(compact)) return { ok: false, error: 'Enter the amount as a number of sats, e.g. 1500 (or 0.5 for 500 msat).' };
  const [whole = '0', frac = ''] = compact.split('.');
  if (frac.length > 3) return { ok: false, error: 'Lightning amounts go down to the millisatoshi: at most 3 decimals of a sat.' };
  if (whole.length > 19) return { ok: false, error: 'That is more than 21 million bitcoin.' };
  const msat = BigInt(whole) * 1000n + BigInt(frac.padEnd(3, '0'));
  if (msat === 0n) return { ok: false, error: 'The amount must be more than 0 sats.' };
  if (msat > MAX_MSAT) return { ok: false, error: 'That is more than 21 million bitcoin.' };
  if (opts.minMsat !== undefined && msat < opts.minMsat) return { ok: false, error: `The invoice asks for at least ${formatMsat(opts.minMsat)} sats.` };
  if (opts.maxMsat !== undefined && opts.maxMsat !== null && msat > opts.maxMsat) {
    return { ok: false, error: `That is more than your channels can send now (${formatMsat(opts.maxMsat)} sats).` };
  }
  return { ok: true, value: msat };
}

/** The optional description of an invoice we create: BOLT 11 `d` is UTF-8, up to 639 bytes. */
export function checkDescription(input: string): Checked<string> {
  const text = input.trim();
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > 639) return { ok: false, error: `The description is too long for an invoice (${bytes} bytes; at most 639).` };
  return { ok: true, value: text };
}

/** Invoice expiries offered on the Receive screen (seconds), the default first. */
export const EXPIRY_CHOICES: readonly { readonly sec: number; readonly label: string }[] = [
  { sec: 3600, label: '1 hour' },
  { sec: 600, label: '10 minutes' },
  { sec: 86_400, label: '1 day' },
  { sec: 604_800, label: '1 week' },
];
export const DEFAULT_EXPIRY_SEC = 3600;

/** msat as sats for display: `1,500` for whole sats, `1,500.25` with the millisatoshis otherwise. */
export function formatMsat(msat: bigint | string): string {
  return amountParts({ msat }, 'sat').num;
}

/** `sat` for exactly 1 sat, else `sats`. */
export function msatUnit(msat: bigint | string): string {
  return BigInt(msat) === 1000n ? 'sat' : 'sats';
}

/** Seconds left until an expiry, for a countdown: `59:07`, `1 h 05 min`, `3 days`, `expired`. */
export function formatCountdown(secondsLeft: number): string {
  if (secondsLeft <= 0) return 'expired';
  const s = Math.floor(secondsLeft);
  if (s < 3600) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  const days = Math.floor(s / 86_400);
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}

/** What a QR code of our invoice encodes: `lightning:` + the invoice in upper case, as wallets do. */
export function invoiceQrValue(bolt11: string): string {
  return `lightning:${bolt11}`.toUpperCase();
}

/** A bech32/bech32m address (BIP173/BIP350: one case throughout), which may be written in upper case. */
function isBech32Address(address: string): boolean {
  return /^(bc|tb|bcrt)1[02-9ac-hj-np-z]{6,}$/.test(address) || /^(BC|TB|BCRT)1[02-9AC-HJ-NP-Z]{6,}$/.test(address);
}

/**
 * A BIP21 `amount` (decimal BTC, no separators, trailing zeros dropped: `0.00003`) for a
 * Lightning amount in msat. On-chain amounts are whole sats, so a fraction of a sat is rounded
 * up: the payer who pays on-chain never pays less than the invoice asks.
 */
export function bip21Amount(msat: bigint): string {
  const sat = (msat + 999n) / 1000n;
  const whole = (sat / 100_000_000n).toString();
  const frac = (sat % 100_000_000n).toString().padStart(8, '0').replace(/0+$/, '');
  return frac === '' ? whole : `${whole}.${frac}`;
}

/**
 * The unified QR of a receive (BIP21 with a BOLT 11 fallback): `bitcoin:<ADDR>?amount=<btc>&lightning=<INVOICE>`.
 * A wallet that speaks Lightning pays the invoice, any other pays the address. The bech32
 * address and the invoice are upper case (a QR code of upper-case text is smaller and scans
 * better, and both are case-insensitive); a legacy base58 address keeps its case (it is
 * case-sensitive). `amount` only when the invoice has one.
 */
export function unifiedQrValue(address: string, bolt11: string, amountMsat: bigint | null): string {
  const addr = isBech32Address(address) ? address.toUpperCase() : address;
  const params = [...(amountMsat !== null && amountMsat > 0n ? [`amount=${bip21Amount(amountMsat)}`] : []), `lightning=${bolt11.toUpperCase()}`];
  return `bitcoin:${addr}?${params.join('&')}`;
}

/** An on-chain address's QR: `bitcoin:` + the address (upper case when bech32, as above). */
export function addressQrValue(address: string): string {
  return `bitcoin:${isBech32Address(address) ? address.toUpperCase() : address}`;
}

/**
 * Words for a failure code, for when the worker gave a code and no words (it normally gives
 * both: `reason` is shown first). The codes are the PaymentRecord's `failureCode`: BOLT 4 failure
 * names and the node's own (no_route, insufficient_balance, invoice_expired, timeout).
 */
const FAILURE_WORDS: Record<string, string> = {
  incorrect_or_unknown_payment_details: 'The payee does not know this payment (wrong or already-paid invoice, or the wrong amount).',
  no_route: 'No route to the payee was found through your channels.',
  insufficient_balance: 'Your channels cannot send that much now.',
  invoice_expired: 'The invoice has expired; ask the payee for a new one.',
  timeout: 'The payment did not finish in time.',
  mpp_timeout: 'The payee did not receive all parts of the payment in time.',
  temporary_channel_failure: 'A channel on the way could not carry the payment just now.',
  permanent_channel_failure: 'A channel on the way is closed or unusable.',
  unknown_next_peer: 'A node on the way does not know the next channel.',
  fee_insufficient: 'A node on the way asked for a higher fee.',
  incorrect_cltv_expiry: 'A node on the way refused the payment’s timeout.',
  expiry_too_soon: 'The payment’s timeout was too close for a node on the way.',
  final_incorrect_cltv_expiry: 'The payee refused the payment’s timeout.',
  final_incorrect_htlc_amount: 'The payee received a different amount than was sent.',
  channel_disabled: 'A channel on the way is disabled.',
  temporary_node_failure: 'A node on the way failed temporarily.',
  permanent_node_failure: 'A node on the way is not accepting payments.',
  required_node_feature_missing: 'A node on the way needs a feature this payment does not have.',
  invalid_onion_payload: 'A node on the way could not read its part of the payment.',
  amount_below_minimum: 'The amount is below what a channel on the way accepts.',
};

/** The reason a failed payment is shown with: the worker's words, else words for its code. */
export function failureText(reason: string | undefined, failureCode: string | undefined): string {
  if (reason !== undefined && reason.trim() !== '') return asSentence(reason);
  if (failureCode !== undefined) return FAILURE_WORDS[failureCode] ?? `The payment failed (${failureCode.replace(/_/g, ' ')}).`;
  return 'The payment failed.';
}

/** A payment's time for the history: `14:03` today, else `3 Dec 14:03` (local time). */
export function paymentTime(sec: number, nowMs: number): string {
  const d = new Date(sec * 1000);
  const now = new Date(nowMs);
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay ? time : `${d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', ...(d.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }) })} ${time}`;
}

/** A payment's identity in the history: one outgoing and one incoming record per payment hash at most. */
export function paymentKey(p: { readonly direction: string; readonly paymentHash: string }): string {
  return `${p.direction}:${p.paymentHash}`;
}

/** Newest first (by creation time; the order among equal times is kept). */
export function newestFirst<T extends { readonly createdAtSec: number }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => b.createdAtSec - a.createdAtSec);
}
