/**
 * What a person pasted or scanned: a bare BOLT 11 invoice (any case), a `lightning:` URI
 * (BOLT 11 "Encoding Overview"), a BIP 21 `bitcoin:` URI with optional `lightning=` parameter,
 * or a bare on-chain address; LNURL texts and Lightning Addresses are recognised and returned as
 * `unsupported` (lnurl.ts). This only sorts the text into parts; the caller decodes the invoice
 * (decodeInvoice) or validates the address for its network.
 */
import { InvoiceError } from './errors.ts';
import { stripLightningScheme } from './decode.ts';
import { recognizeLnurl, type LnurlTarget } from './lnurl.ts';

export interface PaymentText {
  /** A BOLT 11 invoice, lowercased (decode it with decodeInvoice). */
  readonly invoice?: string;
  /** An on-chain address as given (bech32 ones lowercased). */
  readonly address?: string;
  /** BIP 21 `amount`, converted from BTC exactly. */
  readonly amountSat?: bigint;
  readonly label?: string;
  readonly message?: string;
  /** An LNURL or Lightning Address (lnurl.ts): recognised, but paying it is not supported yet. */
  readonly unsupported?: LnurlTarget;
}

const MAX_TEXT = 16_384;
const SAT_PER_BTC = 100_000_000n;
const MAX_SAT = 21_000_000n * SAT_PER_BTC;

function bad(field: string, message: string): InvoiceError {
  return new InvoiceError('invalid_payment_text', field, message);
}

/** BIP 21 `amount`: decimal BTC, at most 8 decimals, no exponent → satoshis (no floats). */
export function parseBip21Amount(text: string): bigint {
  const m = /^([0-9]*)(?:\.([0-9]*))?$/.exec(text);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) throw bad('amount', `"${text}" is not a decimal bitcoin amount`);
  const whole = m[1] === '' ? 0n : BigInt(m[1] as string);
  const frac = m[2] ?? '';
  if (frac.length > 8) throw bad('amount', `"${text}" has more than 8 decimals (smaller than a satoshi)`);
  const sat = whole * SAT_PER_BTC + BigInt(frac.padEnd(8, '0') || '0');
  if (sat > MAX_SAT) throw bad('amount', `"${text}" is more than 21 million bitcoin`);
  return sat;
}

function looksLikeInvoice(text: string): boolean {
  return /^ln[a-z0-9]+1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/.test(text.toLowerCase());
}

function looksLikeAddress(text: string): boolean {
  return /^(bc|tb|bcrt)1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{6,}$/i.test(text) || /^[123mn][1-9A-HJ-NP-Za-km-z]{25,39}$/.test(text);
}

function normalizeAddress(text: string): string {
  return /^(bc|tb|bcrt)1/i.test(text) ? text.toLowerCase() : text;
}

function decodeParam(value: string, field: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw bad(field, 'is not valid percent-encoding');
  }
}

function parseBip21(rest: string): PaymentText {
  const q = rest.indexOf('?');
  const addressPart = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  const address = addressPart.replace(/^\/\//, '');
  let invoice: string | undefined;
  let amountSat: bigint | undefined;
  let label: string | undefined;
  let message: string | undefined;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = (eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (key === 'amount') amountSat = parseBip21Amount(decodeParam(value, 'amount'));
    else if (key === 'label') label = decodeParam(value, 'label');
    else if (key === 'message') message = decodeParam(value, 'message');
    else if (key === 'lightning') {
      const ln = stripLightningScheme(decodeParam(value, 'lightning'));
      if (!looksLikeInvoice(ln)) throw bad('lightning', 'is not a BOLT 11 invoice');
      invoice = ln.toLowerCase();
    } else if (key.startsWith('req-')) {
      // BIP 21: a required parameter we do not understand makes the whole URI unusable.
      throw bad(key, 'is a required parameter this wallet does not understand');
    }
  }
  if (address !== '' && !looksLikeAddress(address)) throw bad('address', `"${address}" is not a bitcoin address`);
  if (address === '' && invoice === undefined) throw bad('address', 'the bitcoin: URI has neither an address nor a lightning invoice');
  return {
    ...(invoice !== undefined ? { invoice } : {}),
    ...(address !== '' ? { address: normalizeAddress(address) } : {}),
    ...(amountSat !== undefined ? { amountSat } : {}),
    ...(label !== undefined ? { label } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

/** Sort a pasted/scanned payment text into invoice / address / amount; throws InvoiceError. */
export function parsePaymentText(text: string): PaymentText {
  if (typeof text !== 'string') throw bad('text', 'must be a string');
  const t = text.trim();
  if (t === '') throw bad('text', 'is empty');
  if (t.length > MAX_TEXT) throw bad('text', `is longer than ${MAX_TEXT} characters`);
  if (/^bitcoin:/i.test(t)) return parseBip21(t.slice('bitcoin:'.length));
  const lnurl = recognizeLnurl(t);
  if (lnurl) return { unsupported: lnurl };
  const bare = stripLightningScheme(t);
  if (looksLikeInvoice(bare)) return { invoice: bare.toLowerCase() };
  if (/^lightning:/i.test(t)) throw bad('invoice', 'the lightning: URI does not hold a BOLT 11 invoice');
  if (looksLikeAddress(t)) return { address: normalizeAddress(t) };
  throw bad('text', 'is not a lightning invoice, a lightning: or bitcoin: URI, or a bitcoin address');
}
