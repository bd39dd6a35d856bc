/**
 * BOLT 3 witness scripts: the funding 2-of-2, `to_local`, `to_remote` (anchors), the anchor
 * outputs, offered/received HTLCs (with and without `option_anchors`), and the P2WSH / P2WPKH
 * wrappers that turn them into scriptPubKeys.
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#commitment-transaction-outputs
 */
import { opcodes as OP, script as bscript } from 'bitcoinjs-lib';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { hash160, sha256 } from '../../crypto/hash.ts';
import { compareBytes, concatBytes } from '../../lib/bytes.ts';
import { checkBytes, checkInt, checkPubkey, checkU32 } from './check.ts';

export { hash160 };

/** BIP 141 P2WSH scriptPubKey: `OP_0 <SHA256(witnessScript)>`. */
export function p2wsh(witnessScript: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x00, 0x20), sha256(witnessScript));
}

/** BIP 141 P2WPKH scriptPubKey: `OP_0 <HASH160(pubkey)>`. */
export function p2wpkh(pubkey: Uint8Array): Uint8Array {
  checkPubkey(pubkey, 'pubkey');
  return concatBytes(Uint8Array.of(0x00, 0x14), hash160(pubkey));
}

/** A script number push (minimal: 0 → OP_0, 1..16 → OP_N), as `to_self_delay` and `cltv_expiry` are written. */
function num(n: number): Uint8Array {
  return bscript.number.encode(n);
}

/**
 * BOLT 3 "Funding Transaction Output": `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG` where pubkey1 is
 * the lexicographically lesser compressed `funding_pubkey`.
 */
export function fundingWitnessScript(pubkeyA: Uint8Array, pubkeyB: Uint8Array): Uint8Array {
  checkPubkey(pubkeyA, 'pubkeyA');
  checkPubkey(pubkeyB, 'pubkeyB');
  const [p1, p2] = compareBytes(pubkeyA, pubkeyB) <= 0 ? [pubkeyA, pubkeyB] : [pubkeyB, pubkeyA];
  return bscript.compile([OP.OP_2, p1, p2, OP.OP_2, OP.OP_CHECKMULTISIG]);
}

/**
 * BOLT 3 "`to_local` Output" (also the output of HTLC-success/HTLC-timeout transactions):
 *
 *     OP_IF <revocationpubkey> OP_ELSE `to_self_delay` OP_CHECKSEQUENCEVERIFY OP_DROP
 *     <local_delayedpubkey> OP_ENDIF OP_CHECKSIG
 */
export function toLocalScript(revocationPubkey: Uint8Array, toSelfDelay: number, localDelayedPubkey: Uint8Array): Uint8Array {
  checkPubkey(revocationPubkey, 'revocationPubkey');
  checkInt(toSelfDelay, 0, 0xffff, 'toSelfDelay');
  checkPubkey(localDelayedPubkey, 'localDelayedPubkey');
  return bscript.compile([
    OP.OP_IF,
    revocationPubkey,
    OP.OP_ELSE,
    num(toSelfDelay),
    OP.OP_CHECKSEQUENCEVERIFY,
    OP.OP_DROP,
    localDelayedPubkey,
    OP.OP_ENDIF,
    OP.OP_CHECKSIG,
  ]);
}

/**
 * BOLT 3 "HTLC-Timeout and HTLC-Success Transactions" output witness script: the same shape as
 * `to_local` (revocable at once, otherwise the owner's after `to_self_delay`).
 */
export function htlcTxOutputScript(revocationPubkey: Uint8Array, toSelfDelay: number, localDelayedPubkey: Uint8Array): Uint8Array {
  return toLocalScript(revocationPubkey, toSelfDelay, localDelayedPubkey);
}

/** BOLT 3 "`to_remote` Output" with `option_anchors`: `<remotepubkey> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY`. */
export function toRemoteAnchorsScript(remotePubkey: Uint8Array): Uint8Array {
  checkPubkey(remotePubkey, 'remotePubkey');
  return bscript.compile([remotePubkey, OP.OP_CHECKSIGVERIFY, OP.OP_1, OP.OP_CHECKSEQUENCEVERIFY]);
}

/**
 * BOLT 3 "`to_local_anchor` and `to_remote_anchor` Output":
 * `<funding_pubkey> OP_CHECKSIG OP_IFDUP OP_NOTIF OP_16 OP_CHECKSEQUENCEVERIFY OP_ENDIF`.
 */
export function anchorScript(fundingPubkey: Uint8Array): Uint8Array {
  checkPubkey(fundingPubkey, 'fundingPubkey');
  return bscript.compile([
    fundingPubkey,
    OP.OP_CHECKSIG,
    OP.OP_IFDUP,
    OP.OP_NOTIF,
    OP.OP_16,
    OP.OP_CHECKSEQUENCEVERIFY,
    OP.OP_ENDIF,
  ]);
}

/** The keys an HTLC output script locks to (from {@link CommitmentKeys}). */
export interface HtlcScriptKeys {
  readonly revocationPubkey: Uint8Array;
  readonly localHtlcPubkey: Uint8Array;
  readonly remoteHtlcPubkey: Uint8Array;
}

function checkHtlcKeys(keys: HtlcScriptKeys): void {
  checkPubkey(keys.revocationPubkey, 'revocationPubkey');
  checkPubkey(keys.localHtlcPubkey, 'localHtlcPubkey');
  checkPubkey(keys.remoteHtlcPubkey, 'remoteHtlcPubkey');
}

/** With `option_anchors` both HTLC scripts end their non-revocation branch with `1 OP_CHECKSEQUENCEVERIFY OP_DROP`. */
function csv1(anchors: boolean): number[] {
  return anchors ? [OP.OP_1, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_DROP] : [];
}

/**
 * BOLT 3 "Offered HTLC Outputs":
 *
 *     OP_DUP OP_HASH160 <RIPEMD160(SHA256(revocationpubkey))> OP_EQUAL
 *     OP_IF OP_CHECKSIG
 *     OP_ELSE <remote_htlcpubkey> OP_SWAP OP_SIZE 32 OP_EQUAL
 *         OP_NOTIF OP_DROP 2 OP_SWAP <local_htlcpubkey> 2 OP_CHECKMULTISIG
 *         OP_ELSE OP_HASH160 <RIPEMD160(payment_hash)> OP_EQUALVERIFY OP_CHECKSIG
 *         OP_ENDIF
 *         [1 OP_CHECKSEQUENCEVERIFY OP_DROP]   (option_anchors)
 *     OP_ENDIF
 */
export function offeredHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, anchors: boolean): Uint8Array {
  checkHtlcKeys(keys);
  checkBytes(paymentHash, 32, 'paymentHash');
  return bscript.compile([
    OP.OP_DUP,
    OP.OP_HASH160,
    hash160(keys.revocationPubkey),
    OP.OP_EQUAL,
    OP.OP_IF,
    OP.OP_CHECKSIG,
    OP.OP_ELSE,
    keys.remoteHtlcPubkey,
    OP.OP_SWAP,
    OP.OP_SIZE,
    num(32),
    OP.OP_EQUAL,
    OP.OP_NOTIF,
    OP.OP_DROP,
    OP.OP_2,
    OP.OP_SWAP,
    keys.localHtlcPubkey,
    OP.OP_2,
    OP.OP_CHECKMULTISIG,
    OP.OP_ELSE,
    OP.OP_HASH160,
    ripemd160(paymentHash),
    OP.OP_EQUALVERIFY,
    OP.OP_CHECKSIG,
    OP.OP_ENDIF,
    ...csv1(anchors),
    OP.OP_ENDIF,
  ]);
}

/**
 * BOLT 3 "Received HTLC Outputs":
 *
 *     OP_DUP OP_HASH160 <RIPEMD160(SHA256(revocationpubkey))> OP_EQUAL
 *     OP_IF OP_CHECKSIG
 *     OP_ELSE <remote_htlcpubkey> OP_SWAP OP_SIZE 32 OP_EQUAL
 *         OP_IF OP_HASH160 <RIPEMD160(payment_hash)> OP_EQUALVERIFY 2 OP_SWAP <local_htlcpubkey> 2 OP_CHECKMULTISIG
 *         OP_ELSE OP_DROP <cltv_expiry> OP_CHECKLOCKTIMEVERIFY OP_DROP OP_CHECKSIG
 *         OP_ENDIF
 *         [1 OP_CHECKSEQUENCEVERIFY OP_DROP]   (option_anchors)
 *     OP_ENDIF
 */
export function receivedHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, cltvExpiry: number, anchors: boolean): Uint8Array {
  checkHtlcKeys(keys);
  checkBytes(paymentHash, 32, 'paymentHash');
  checkU32(cltvExpiry, 'cltvExpiry');
  return bscript.compile([
    OP.OP_DUP,
    OP.OP_HASH160,
    hash160(keys.revocationPubkey),
    OP.OP_EQUAL,
    OP.OP_IF,
    OP.OP_CHECKSIG,
    OP.OP_ELSE,
    keys.remoteHtlcPubkey,
    OP.OP_SWAP,
    OP.OP_SIZE,
    num(32),
    OP.OP_EQUAL,
    OP.OP_IF,
    OP.OP_HASH160,
    ripemd160(paymentHash),
    OP.OP_EQUALVERIFY,
    OP.OP_2,
    OP.OP_SWAP,
    keys.localHtlcPubkey,
    OP.OP_2,
    OP.OP_CHECKMULTISIG,
    OP.OP_ELSE,
    OP.OP_DROP,
    num(cltvExpiry),
    OP.OP_CHECKLOCKTIMEVERIFY,
    OP.OP_DROP,
    OP.OP_CHECKSIG,
    OP.OP_ENDIF,
    ...csv1(anchors),
    OP.OP_ENDIF,
  ]);
}
