/**
 * Bitcoin addresses ⇄ output scripts. Parsing a typed or scanned address is a trust boundary, so
 * every rejection says which of these it is: not an address at all, a bad checksum (a typo), the
 * wrong network, or a type we do not pay to. Only the standard templates are accepted: P2PKH and
 * P2SH (base58check), P2WPKH and P2WSH (BIP 173 bech32), P2TR (BIP 350 bech32m). Witness
 * versions 2…16 are valid addresses but not spendable by anyone today; paying them is refused.
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki
 * https://github.com/bitcoin/bips/blob/master/bip-0350.mediawiki
 */
import { base58, bech32, bech32m, createBase58check } from '@scure/base';
import { sha256 } from '../crypto/hash.ts';
import { concatBytes, equalBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import type { NetworkName } from '../wire/chains.ts';
import { bech32Hrp, addressParams, networksWithBase58Version, networksWithHrp } from './network.ts';
import { classifyScript, p2wpkhScript, type ScriptType } from './script.ts';

/** A parsed destination. */
export interface ParsedAddress {
  /** The address in canonical form (bech32 in lower case). */
  readonly address: string;
  readonly type: ScriptType;
  readonly scriptPubKey: Uint8Array;
}

const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BASE58_ALPHABET = /^[1-9A-HJ-NP-Za-km-z]+$/;
const SEGWIT_MAX_LENGTH = 90;
const base58check = createBase58check(sha256);

function describe(networks: NetworkName[]): string {
  if (networks.includes('bitcoin')) return 'bitcoin mainnet';
  if (networks.includes('regtest') && !networks.includes('testnet')) return 'regtest';
  if (networks.includes('regtest')) return 'testnet, signet or regtest';
  return 'testnet or signet';
}

function wrongNetwork(from: NetworkName[], network: NetworkName, field: string): ValidationError {
  return new ValidationError(field, `this is a ${describe(from)} address, but the wallet is on ${network}`);
}

/**
 * Parse an address for `network` into its scriptPubKey. Throws ValidationError(field) saying
 * what is wrong.
 */
export function parseAddress(text: unknown, network: NetworkName, field = 'address'): ParsedAddress {
  if (typeof text !== 'string') throw new ValidationError(field, 'must be a string');
  const s = text.trim();
  if (s === '') throw new ValidationError(field, 'is empty');
  if (/^bitcoin:/i.test(s)) throw new ValidationError(field, 'is a bitcoin: URI (BIP 21), not an address');
  const lower = s.toLowerCase();
  const sep = lower.lastIndexOf('1');
  const hrp = sep > 0 ? lower.slice(0, sep) : '';
  if (networksWithHrp(hrp).length > 0) return parseSegwit(s, lower, hrp, network, field);
  if (/^ln(bc|tb|bcrt|tbs)/.test(lower)) throw new ValidationError(field, 'is a Lightning invoice, not a bitcoin address');
  if (BASE58_ALPHABET.test(s)) return parseBase58(s, network, field);
  throw new ValidationError(field, 'not a bitcoin address (neither bech32 nor base58)');
}

function parseSegwit(s: string, lower: string, hrp: string, network: NetworkName, field: string): ParsedAddress {
  if (s !== lower && s !== s.toUpperCase()) throw new ValidationError(field, 'mixes upper and lower case (BIP 173)');
  if (lower.length > SEGWIT_MAX_LENGTH) throw new ValidationError(field, `longer than ${SEGWIT_MAX_LENGTH} characters`);
  const data = lower.slice(hrp.length + 1);
  for (const c of data) {
    if (!BECH32_CHARSET.includes(c)) throw new ValidationError(field, `invalid character "${c}" (not bech32)`);
  }
  if (data.length < 7) throw new ValidationError(field, 'too short');
  const v0 = bech32.decodeUnsafe(lower, SEGWIT_MAX_LENGTH);
  const v1 = v0 ? undefined : bech32m.decodeUnsafe(lower, SEGWIT_MAX_LENGTH);
  const decoded = v0 || v1;
  if (!decoded) throw new ValidationError(field, 'bad checksum: a character is wrong or missing');
  const [version, ...programWords] = decoded.words;
  if (version === undefined || version > 16) throw new ValidationError(field, 'invalid witness version');
  // BIP 350: version 0 uses the bech32 checksum, versions 1…16 use bech32m.
  if ((version === 0) !== Boolean(v0)) {
    throw new ValidationError(field, `bad checksum: witness v${version} must use ${version === 0 ? 'bech32' : 'bech32m'} (BIP 350)`);
  }
  const program = bech32.fromWordsUnsafe(programWords);
  if (!program || program.length < 2 || program.length > 40) throw new ValidationError(field, 'invalid witness program');
  if (hrp !== bech32Hrp(network)) throw wrongNetwork(networksWithHrp(hrp), network, field);
  if (version === 0 && program.length !== 20 && program.length !== 32) {
    throw new ValidationError(field, `invalid witness v0 program length ${program.length} (must be 20 or 32)`);
  }
  const spk = concatBytes(Uint8Array.of(version === 0 ? 0x00 : 0x50 + version, program.length), program);
  const type = classifyScript(spk);
  if (!type) throw new ValidationError(field, `unsupported address type: witness v${version} with a ${program.length}-byte program`);
  return { address: lower, type, scriptPubKey: spk };
}

function parseBase58(s: string, network: NetworkName, field: string): ParsedAddress {
  if (s.length < 26 || s.length > 35) throw new ValidationError(field, 'not a bitcoin address (wrong length for base58check)');
  const raw = base58.decode(s);
  if (raw.length !== 25) throw new ValidationError(field, 'not a bitcoin address (wrong length for base58check)');
  let payload: Uint8Array;
  try {
    payload = base58check.decode(s);
  } catch {
    throw new ValidationError(field, 'bad checksum: a character is wrong or missing');
  }
  const version = payload[0] as number;
  const hash = payload.subarray(1);
  const from = networksWithBase58Version(version);
  if (from.length === 0) throw new ValidationError(field, `unsupported address type (base58 version ${version})`);
  const params = addressParams(network);
  if (version !== params.pubKeyHash && version !== params.scriptHash) throw wrongNetwork(from, network, field);
  const spk =
    version === params.pubKeyHash
      ? concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), hash, Uint8Array.of(0x88, 0xac))
      : concatBytes(Uint8Array.of(0xa9, 0x14), hash, Uint8Array.of(0x87));
  return { address: s, type: version === params.pubKeyHash ? 'p2pkh' : 'p2sh', scriptPubKey: spk };
}

/** The address of a standard scriptPubKey on `network`, or undefined for non-standard scripts. */
export function addressFromScript(spk: Uint8Array, network: NetworkName): string | undefined {
  const type = classifyScript(spk);
  const params = addressParams(network);
  switch (type) {
    case 'p2wpkh':
    case 'p2wsh':
      return bech32.encode(params.bech32, [0, ...bech32.toWords(spk.subarray(2))], SEGWIT_MAX_LENGTH);
    case 'p2tr':
      return bech32m.encode(params.bech32, [1, ...bech32m.toWords(spk.subarray(2))], SEGWIT_MAX_LENGTH);
    case 'p2pkh':
      return base58check.encode(concatBytes(Uint8Array.of(params.pubKeyHash), spk.subarray(3, 23)));
    case 'p2sh':
      return base58check.encode(concatBytes(Uint8Array.of(params.scriptHash), spk.subarray(2, 22)));
    case undefined:
      return undefined;
    default: {
      const never: never = type;
      return never;
    }
  }
}

/** BIP 84 P2WPKH address of a compressed public key. */
export function p2wpkhAddress(pubkey: Uint8Array, network: NetworkName): string {
  return addressFromScript(p2wpkhScript(pubkey), network) as string;
}

/** True when `address` parses on `network` and pays exactly `spk`. */
export function addressPays(address: string, spk: Uint8Array, network: NetworkName): boolean {
  try {
    return equalBytes(parseAddress(address, network).scriptPubKey, spk);
  } catch {
    return false;
  }
}
