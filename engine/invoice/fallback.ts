/**
 * BOLT 11 `f` fields: on-chain fallback addresses. The field holds a 5-bit `version` then the
 * program: 17 = P2PKH hash, 18 = P2SH hash, 0..16 = a witness version and program (BIP 141/350).
 * Readers skip versions they do not know (19..31); a malformed program is skipped the same way.
 */
import { bech32, bech32m, createBase58check } from '@scure/base';
import { sha256 } from '../crypto/hash.ts';
import { InvoiceError } from './errors.ts';
import { bytesToWords, wordsToBytes } from './bech32-words.ts';
import type { InvoiceNetwork } from './types.ts';

const base58check = createBase58check(sha256);

const SEGWIT_HRP: Readonly<Record<InvoiceNetwork, string>> = { bitcoin: 'bc', testnet: 'tb', signet: 'tb', regtest: 'bcrt' };
const P2PKH_VERSION: Readonly<Record<InvoiceNetwork, number>> = { bitcoin: 0x00, testnet: 0x6f, signet: 0x6f, regtest: 0x6f };
const P2SH_VERSION: Readonly<Record<InvoiceNetwork, number>> = { bitcoin: 0x05, testnet: 0xc4, signet: 0xc4, regtest: 0xc4 };

const FALLBACK_P2PKH = 17;
const FALLBACK_P2SH = 18;

function witnessProgramOk(version: number, program: Uint8Array): boolean {
  if (program.length < 2 || program.length > 40) return false;
  return version !== 0 || program.length === 20 || program.length === 32;
}

/** The address an `f` field's words denote on `network`, or undefined if a reader must skip it. */
export function fallbackAddressOf(words: Uint8Array, network: InvoiceNetwork): string | undefined {
  if (words.length < 1) return undefined;
  const version = words[0] as number;
  const program = wordsToBytes(words.subarray(1));
  if (version === FALLBACK_P2PKH || version === FALLBACK_P2SH) {
    if (program.length !== 20) return undefined;
    const prefix = version === FALLBACK_P2PKH ? P2PKH_VERSION[network] : P2SH_VERSION[network];
    const payload = new Uint8Array(21);
    payload[0] = prefix;
    payload.set(program, 1);
    return base58check.encode(payload);
  }
  if (version > 16 || !witnessProgramOk(version, program)) return undefined;
  const codec = version === 0 ? bech32 : bech32m;
  return codec.encode(SEGWIT_HRP[network], [version, ...bech32.toWords(program)], false);
}

/** The `f` field words for an address of `network`; throws InvoiceError if it is not one. */
export function fallbackWordsOf(address: string, network: InvoiceNetwork, field = 'fallbackAddresses'): number[] {
  const lower = address.toLowerCase();
  const hrp = SEGWIT_HRP[network];
  if (lower.startsWith(`${hrp}1`)) {
    for (const codec of [bech32, bech32m]) {
      const decoded = codec.decodeUnsafe(lower, false);
      if (!decoded || decoded.prefix !== hrp || decoded.words.length < 1) continue;
      const version = decoded.words[0] as number;
      if ((version === 0) !== (codec === bech32)) continue;
      const program = bech32.fromWordsUnsafe(decoded.words.slice(1));
      if (!program || version > 16 || !witnessProgramOk(version, program)) continue;
      return [version, ...bytesToWords(program)];
    }
    throw new InvoiceError('invalid_field', field, `"${address}" is not a valid segwit address`);
  }
  let payload: Uint8Array;
  try {
    payload = base58check.decode(address);
  } catch {
    throw new InvoiceError('invalid_field', field, `"${address}" is not a ${network} address`);
  }
  if (payload.length === 21 && payload[0] === P2PKH_VERSION[network]) return [FALLBACK_P2PKH, ...bytesToWords(payload.subarray(1))];
  if (payload.length === 21 && payload[0] === P2SH_VERSION[network]) return [FALLBACK_P2SH, ...bytesToWords(payload.subarray(1))];
  throw new InvoiceError('invalid_field', field, `"${address}" is not a ${network} address`);
}
