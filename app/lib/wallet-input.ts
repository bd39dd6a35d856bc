/**
 * Shape checks for what the user types on the wallet screens, so obvious mistakes get a clear
 * inline message before anything is sent. The node worker (and the engine behind it) checks
 * again and its verdict is the one that counts: an address can have the right shape and a bad
 * checksum, an amount can fit the balance and not the fee.
 */
import type { NetworkName } from '../../workers/rpc/protocol.ts';
import type { Checked } from './peer-input.ts';
import { formatSats } from './amount.ts';

/** Outputs below this are dust for a P2WPKH output; nodes will not relay them. */
export const DUST_LIMIT_SAT = 294n;
const MAX_SAT = 2_100_000_000_000_000n;
export const MIN_PASSPHRASE = 8;

const BECH32_CHARS = /^[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/;
const BASE58_CHARS = /^[1-9A-HJ-NP-Za-km-z]+$/;

/** Address prefixes per network: bech32 human-readable part, base58 leading characters. */
const PREFIXES: Record<NetworkName, { hrp: string; base58: string }> = {
  bitcoin: { hrp: 'bc', base58: '13' },
  testnet: { hrp: 'tb', base58: 'mn2' },
  signet: { hrp: 'tb', base58: 'mn2' },
  regtest: { hrp: 'bcrt', base58: 'mn2' },
};

function hrpNetwork(hrp: string): string {
  return hrp === 'bc' ? 'mainnet (bitcoin)' : hrp === 'tb' ? 'testnet/signet' : hrp === 'bcrt' ? 'regtest' : `“${hrp}”`;
}

/**
 * A Bitcoin address for `network` (a `bitcoin:` URI is accepted and its address taken). Returns
 * the address to send to.
 */
export function checkAddress(input: string, network: NetworkName): Checked<string> {
  let text = input.trim();
  if (/^bitcoin:/i.test(text)) text = text.slice(8).split('?')[0] ?? '';
  if (text === '') return { ok: false, error: 'Enter the Bitcoin address to send to.' };
  if (/\s/.test(text)) return { ok: false, error: 'An address has no spaces in it.' };
  const want = PREFIXES[network];
  const lower = text.toLowerCase();
  const sep = lower.lastIndexOf('1');
  const hrp = sep > 0 ? lower.slice(0, sep) : '';
  if (hrp === 'bc' || hrp === 'tb' || hrp === 'bcrt') {
    if (text !== lower && text !== text.toUpperCase()) return { ok: false, error: 'A bech32 address is all lowercase or all uppercase, not mixed.' };
    if (hrp !== want.hrp) return { ok: false, error: `That is a ${hrpNetwork(hrp)} address; this wallet is on ${network}.` };
    const data = lower.slice(sep + 1);
    if (!BECH32_CHARS.test(data)) return { ok: false, error: 'That address has characters a bech32 address cannot contain (b, i, o, or symbols).' };
    if (lower.length < 14 || lower.length > 90 || data.length < 6 + 8) return { ok: false, error: 'That address is too short or too long to be valid.' };
    return { ok: true, value: lower };
  }
  if (BASE58_CHARS.test(text) && text.length >= 25 && text.length <= 35) {
    if (!want.base58.includes(text[0] as string)) {
      const other = '13'.includes(text[0] as string) ? 'mainnet (bitcoin)' : 'testnet';
      return { ok: false, error: `That looks like a ${other} address; this wallet is on ${network}.` };
    }
    return { ok: true, value: text };
  }
  const example = `${want.hrp}1q…`;
  return { ok: false, error: `That is not a ${network} address. Addresses here start with ${example}.` };
}

/**
 * An amount in whole sats (`20000`, `20,000` or `20 000`), at least the dust limit and at most
 * `balanceSat` when it is known.
 */
export function checkAmount(input: string, balanceSat: bigint | null): Checked<bigint> {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'Enter an amount in sats.' };
  const compact = /^\d{1,3}([, \u00a0\u202f]\d{3})+$/.test(text) ? text.replace(/[, \u00a0\u202f]/g, '') : text;
  if (/^\d*[.,]\d+$/.test(compact) || /^\d+[.,]$/.test(compact)) return { ok: false, error: 'Amounts are in whole sats (1 BTC = 100,000,000 sats): no decimals.' };
  if (/^-/.test(compact)) return { ok: false, error: 'The amount must be positive.' };
  if (!/^\d+$/.test(compact)) return { ok: false, error: 'Enter the amount as a whole number of sats, e.g. 20000.' };
  const n = BigInt(compact);
  if (n > MAX_SAT) return { ok: false, error: 'That is more than 21 million bitcoin.' };
  if (n < DUST_LIMIT_SAT) return { ok: false, error: `Send at least ${DUST_LIMIT_SAT} sats: smaller outputs are dust and will not be relayed.` };
  if (balanceSat !== null && n > balanceSat) return { ok: false, error: `That is more than your balance of ${formatSats(balanceSat)} sats.` };
  return { ok: true, value: n };
}

/** A custom fee rate in sat/vB: at least 1 (the minimum relay fee), decimals allowed. */
export function checkFeeRate(input: string): Checked<number> {
  const text = input.trim().replace(',', '.');
  if (text === '') return { ok: false, error: 'Enter a fee rate in sat/vB.' };
  if (!/^\d+(\.\d{1,3})?$/.test(text)) return { ok: false, error: 'Enter the fee rate as a number of sat/vB, e.g. 12 or 1.5.' };
  const n = Number(text);
  if (n < 1) return { ok: false, error: 'The fee rate must be at least 1 sat/vB (the minimum relay fee).' };
  if (n > 10_000) return { ok: false, error: 'That fee rate is absurdly high; enter at most 10,000 sat/vB.' };
  return { ok: true, value: n };
}

/** An Esplora base URL such as `https://mempool.space/signet/api`. */
export function checkEsploraUrl(input: string, pageProtocol = 'https:'): Checked<string> {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'Enter the Esplora server’s base URL, or use the default.' };
  if (!/^https?:\/\//i.test(text)) return { ok: false, error: 'The Esplora server URL must start with https:// (or http:// for a local server).' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `The Esplora server URL “${text}” is not a valid URL.` };
  }
  if (url.search !== '' || url.hash !== '') return { ok: false, error: 'Give the Esplora server’s base URL only, without ?query or #fragment.' };
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (pageProtocol === 'https:' && url.protocol === 'http:' && !local) {
    return { ok: false, error: 'This page is served over https, so the browser will block an http:// Esplora server. Use https://.' };
  }
  return { ok: true, value: text.replace(/\/+$/, '') };
}

/** A new passphrase, typed twice. */
export function checkNewPassphrase(first: string, second: string): { first: string | null; second: string | null } {
  const firstError = first.length === 0 ? 'Choose a passphrase.' : first.length < MIN_PASSPHRASE ? `Use at least ${MIN_PASSPHRASE} characters.` : null;
  const secondError = second.length === 0 ? 'Type the passphrase again.' : second !== first ? 'The two passphrases do not match.' : null;
  return { first: firstError, second: secondError };
}

/** Recovery words typed or pasted: 12–24 words of letters. The worker checks the word list and checksum. */
export function checkMnemonic(input: string): Checked<string> {
  const words = input.trim().toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return { ok: false, error: 'Enter your recovery words, separated by spaces.' };
  const bad = words.findIndex((w) => !/^[a-z]+$/.test(w));
  if (bad >= 0) return { ok: false, error: `Word ${bad + 1} (“${words[bad]}”) has characters other than letters.` };
  if (![12, 15, 18, 21, 24].includes(words.length)) return { ok: false, error: `Recovery phrases have 12 or 24 words; this has ${words.length}.` };
  return { ok: true, value: words.join(' ') };
}
