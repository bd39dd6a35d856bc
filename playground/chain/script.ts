/**
 * scriptPubKey helpers shared by the chain and its Esplora facade: Esplora's script types, the
 * rust-bitcoin style ASM electrs prints, regtest addresses (`bcrt1…`, `m…`/`n…`, `2…`) and the
 * Esplora scripthash (sha256 of the scriptPubKey, plain hex — NOT reversed like Electrum's).
 *
 * bcoin's own regtest addresses use HRP `rb` and other base58 prefixes; nothing here uses them.
 */
import { createHash } from 'node:crypto';
import { bech32, bech32m, createBase58check } from '@scure/base';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { address as btcAddress, networks } from 'bitcoinjs-lib';

const base58check = createBase58check(nobleSha256);
/** Regtest prefixes (the same as testnet for base58; bech32 HRP `bcrt`). */
const REGTEST = { hrp: 'bcrt', pubkeyhash: 0x6f, scripthash: 0xc4 } as const;

/** Esplora scripthash: sha256(scriptPubKey) as plain hex. */
export function scripthashOf(scriptPubKey: Uint8Array): string {
  return createHash('sha256').update(scriptPubKey).digest('hex');
}

export type EsploraScriptType =
  | 'empty'
  | 'op_return'
  | 'p2pk'
  | 'p2pkh'
  | 'p2sh'
  | 'v0_p2wpkh'
  | 'v0_p2wsh'
  | 'v1_p2tr'
  | 'unknown';

/** The `scriptpubkey_type` electrs reports (same test order as electrs' rest.rs). */
export function scriptType(s: Uint8Array): EsploraScriptType {
  if (s.length === 0) return 'empty';
  if (s[0] === 0x6a) return 'op_return';
  if ((s.length === 35 && s[0] === 0x21 && s[34] === 0xac) || (s.length === 67 && s[0] === 0x41 && s[66] === 0xac)) return 'p2pk';
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) return 'p2pkh';
  if (s.length === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) return 'p2sh';
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) return 'v0_p2wpkh';
  if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) return 'v0_p2wsh';
  if (s.length === 34 && s[0] === 0x51 && s[1] === 0x20) return 'v1_p2tr';
  return 'unknown';
}

/** A witness program (`OP_n <2..40 bytes>`), or undefined. */
function witnessProgram(s: Uint8Array): { version: number; program: Uint8Array } | undefined {
  if (s.length < 4 || s.length > 42) return undefined;
  const op = s[0]!;
  if (op !== 0x00 && (op < 0x51 || op > 0x60)) return undefined;
  if (s[1]! + 2 !== s.length || s[1]! < 2) return undefined;
  const version = op === 0 ? 0 : op - 0x50;
  if (version === 0 && s[1] !== 20 && s[1] !== 32) return undefined;
  return { version, program: s.subarray(2) };
}

/** The regtest address of a scriptPubKey as electrs prints it, or undefined (no address form). */
export function scriptAddress(s: Uint8Array): string | undefined {
  const type = scriptType(s);
  if (type === 'p2pkh') return base58check.encode(concat([REGTEST.pubkeyhash], s.subarray(3, 23)));
  if (type === 'p2sh') return base58check.encode(concat([REGTEST.scripthash], s.subarray(2, 22)));
  const wp = witnessProgram(s);
  if (!wp) return undefined;
  const words = [wp.version, ...bech32.toWords(wp.program)];
  return (wp.version === 0 ? bech32 : bech32m).encode(REGTEST.hrp, words, 90);
}

/**
 * Decode a regtest address to its scriptPubKey. bitcoinjs-lib does the work; witness v1+
 * (bitcoinjs wants an ECC library for those) falls back to a plain bech32m decode.
 * Throws an Error whose message says what is wrong; `wrongNetwork` is set for valid
 * mainnet/testnet-bech32 addresses.
 */
export function addressToScript(addr: string): Uint8Array {
  try {
    return Uint8Array.from(btcAddress.toOutputScript(addr, networks.regtest));
  } catch (error) {
    const lower = addr.toLowerCase();
    if (lower.startsWith(`${REGTEST.hrp}1`)) {
      const decoded = decodeSegwitV1Plus(addr);
      if (decoded) return decoded;
    }
    for (const other of [networks.bitcoin, networks.testnet]) {
      try {
        btcAddress.toOutputScript(addr, other);
        throw Object.assign(new Error('Address on invalid network'), { wrongNetwork: true });
      } catch (inner) {
        if ((inner as { wrongNetwork?: boolean }).wrongNetwork) throw inner;
      }
    }
    throw new Error(`invalid address ${JSON.stringify(addr)}: ${(error as Error).message}`, { cause: error });
  }
}

function decodeSegwitV1Plus(addr: string): Uint8Array | undefined {
  try {
    const { prefix, words } = bech32m.decode(addr as `${string}1${string}`, 90);
    if (prefix !== REGTEST.hrp || words.length === 0) return undefined;
    const version = words[0]!;
    if (version < 1 || version > 16) return undefined;
    const program = bech32m.fromWords(words.slice(1));
    if (program.length < 2 || program.length > 40) return undefined;
    return concat([0x50 + version, program.length], program);
  } catch {
    return undefined;
  }
}

/** A scriptPubKey given as bytes, or a regtest address string. */
export function toScriptPubKey(target: Uint8Array | string): Uint8Array {
  return typeof target === 'string' ? addressToScript(target) : target;
}

function concat(prefix: number[], rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + rest.length);
  out.set(prefix, 0);
  out.set(rest, prefix.length);
  return out;
}

// ---- ASM (rust-bitcoin `Script::to_asm`, which electrs prints) ----

const OPCODE_NAMES: Record<number, string> = {
  0x00: 'OP_0', 0x4c: 'OP_PUSHDATA1', 0x4d: 'OP_PUSHDATA2', 0x4e: 'OP_PUSHDATA4', 0x4f: 'OP_PUSHNUM_NEG1', 0x50: 'OP_RESERVED',
  0x61: 'OP_NOP', 0x62: 'OP_VER', 0x63: 'OP_IF', 0x64: 'OP_NOTIF', 0x65: 'OP_VERIF', 0x66: 'OP_VERNOTIF', 0x67: 'OP_ELSE',
  0x68: 'OP_ENDIF', 0x69: 'OP_VERIFY', 0x6a: 'OP_RETURN', 0x6b: 'OP_TOALTSTACK', 0x6c: 'OP_FROMALTSTACK', 0x6d: 'OP_2DROP',
  0x6e: 'OP_2DUP', 0x6f: 'OP_3DUP', 0x70: 'OP_2OVER', 0x71: 'OP_2ROT', 0x72: 'OP_2SWAP', 0x73: 'OP_IFDUP', 0x74: 'OP_DEPTH',
  0x75: 'OP_DROP', 0x76: 'OP_DUP', 0x77: 'OP_NIP', 0x78: 'OP_OVER', 0x79: 'OP_PICK', 0x7a: 'OP_ROLL', 0x7b: 'OP_ROT',
  0x7c: 'OP_SWAP', 0x7d: 'OP_TUCK', 0x7e: 'OP_CAT', 0x7f: 'OP_SUBSTR', 0x80: 'OP_LEFT', 0x81: 'OP_RIGHT', 0x82: 'OP_SIZE',
  0x83: 'OP_INVERT', 0x84: 'OP_AND', 0x85: 'OP_OR', 0x86: 'OP_XOR', 0x87: 'OP_EQUAL', 0x88: 'OP_EQUALVERIFY',
  0x89: 'OP_RESERVED1', 0x8a: 'OP_RESERVED2', 0x8b: 'OP_1ADD', 0x8c: 'OP_1SUB', 0x8d: 'OP_2MUL', 0x8e: 'OP_2DIV',
  0x8f: 'OP_NEGATE', 0x90: 'OP_ABS', 0x91: 'OP_NOT', 0x92: 'OP_0NOTEQUAL', 0x93: 'OP_ADD', 0x94: 'OP_SUB', 0x95: 'OP_MUL',
  0x96: 'OP_DIV', 0x97: 'OP_MOD', 0x98: 'OP_LSHIFT', 0x99: 'OP_RSHIFT', 0x9a: 'OP_BOOLAND', 0x9b: 'OP_BOOLOR',
  0x9c: 'OP_NUMEQUAL', 0x9d: 'OP_NUMEQUALVERIFY', 0x9e: 'OP_NUMNOTEQUAL', 0x9f: 'OP_LESSTHAN', 0xa0: 'OP_GREATERTHAN',
  0xa1: 'OP_LESSTHANOREQUAL', 0xa2: 'OP_GREATERTHANOREQUAL', 0xa3: 'OP_MIN', 0xa4: 'OP_MAX', 0xa5: 'OP_WITHIN',
  0xa6: 'OP_RIPEMD160', 0xa7: 'OP_SHA1', 0xa8: 'OP_SHA256', 0xa9: 'OP_HASH160', 0xaa: 'OP_HASH256', 0xab: 'OP_CODESEPARATOR',
  0xac: 'OP_CHECKSIG', 0xad: 'OP_CHECKSIGVERIFY', 0xae: 'OP_CHECKMULTISIG', 0xaf: 'OP_CHECKMULTISIGVERIFY', 0xb0: 'OP_NOP1',
  0xb1: 'OP_CLTV', 0xb2: 'OP_CSV', 0xba: 'OP_CHECKSIGADD', 0xff: 'OP_INVALIDOPCODE',
};

function opcodeName(op: number): string {
  const named = OPCODE_NAMES[op];
  if (named) return named;
  if (op >= 0x01 && op <= 0x4b) return `OP_PUSHBYTES_${op}`;
  if (op >= 0x51 && op <= 0x60) return `OP_PUSHNUM_${op - 0x50}`;
  if (op >= 0xb3 && op <= 0xb9) return `OP_NOP${op - 0xb3 + 4}`;
  return `OP_RETURN_${op}`;
}

/** rust-bitcoin style ASM: `OP_0 OP_PUSHBYTES_20 ab…`. */
export function scriptAsm(s: Uint8Array): string {
  const parts: string[] = [];
  let i = 0;
  while (i < s.length) {
    const op = s[i++]!;
    let len = -1;
    if (op >= 0x01 && op <= 0x4b) len = op;
    else if (op === 0x4c || op === 0x4d || op === 0x4e) {
      const width = op === 0x4c ? 1 : op === 0x4d ? 2 : 4;
      if (i + width > s.length) {
        parts.push(opcodeName(op), '<unexpected end>');
        break;
      }
      len = 0;
      for (let k = width - 1; k >= 0; k--) len = len * 256 + s[i + k]!;
      i += width;
    }
    parts.push(opcodeName(op));
    if (len >= 0) {
      if (i + len > s.length) {
        parts.push('<push past end>');
        break;
      }
      parts.push(Buffer.from(s.subarray(i, i + len)).toString('hex'));
      i += len;
    }
  }
  return parts.join(' ');
}

/** The data pushes of a push-only script (scriptSig), or undefined if it has non-push opcodes. */
export function scriptPushes(s: Uint8Array): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < s.length) {
    const op = s[i++]!;
    if (op === 0x00) out.push(new Uint8Array(0));
    else if (op >= 0x01 && op <= 0x4e) {
      let len = op;
      if (op >= 0x4c) {
        const width = op === 0x4c ? 1 : op === 0x4d ? 2 : 4;
        if (i + width > s.length) return undefined;
        len = 0;
        for (let k = width - 1; k >= 0; k--) len = len * 256 + s[i + k]!;
        i += width;
      }
      if (i + len > s.length) return undefined;
      out.push(s.subarray(i, i + len));
      i += len;
    } else if (op === 0x4f || (op >= 0x51 && op <= 0x60)) out.push(Uint8Array.of(op === 0x4f ? 0x81 : op - 0x50));
    else return undefined;
  }
  return out;
}
