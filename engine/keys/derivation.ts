/**
 * Every BIP 32 derivation path Glint uses, in one place, so a seed can be restored elsewhere.
 * Changing anything here changes every key a user has: the golden test
 * (test/unit/keys-derivation-golden.test.ts) pins the results for a fixed mnemonic.
 *
 * Lightning keys follow lnd's BIP 43 "purpose 1017" keychain:
 *
 *     m / 1017' / coin' / family' / 0 / index
 *
 * On-chain funds follow BIP 84 (native SegWit P2WPKH):
 *
 *     m / 84' / coin' / account' / change / index
 *
 * `coin'` is the SLIP 44 coin type: 0 on bitcoin mainnet, 1 on testnet, signet and regtest
 * (so a test seed never produces mainnet keys by accident).
 *
 * | what                                  | path                          |
 * |---------------------------------------|-------------------------------|
 * | node identity key (BOLT 8 static key) | m/1017'/coin'/6'/0/0          |
 * | channel n funding (2-of-2 multisig)   | m/1017'/coin'/0'/0/n          |
 * | channel n revocation basepoint        | m/1017'/coin'/1'/0/n          |
 * | channel n htlc basepoint              | m/1017'/coin'/2'/0/n          |
 * | channel n payment basepoint           | m/1017'/coin'/3'/0/n          |
 * | channel n delayed payment basepoint   | m/1017'/coin'/4'/0/n          |
 * | channel n per-commitment seed         | m/1017'/coin'/5'/0/n (secret key bytes = BOLT 3 shachain seed) |
 * | on-chain receive address i            | m/84'/coin'/0'/0/i            |
 * | on-chain change address i             | m/84'/coin'/0'/1/i            |
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0043.mediawiki
 * https://github.com/bitcoin/bips/blob/master/bip-0084.mediawiki
 * https://github.com/satoshilabs/slips/blob/master/slip-0044.md
 * https://github.com/lightningnetwork/lnd/blob/master/keychain/derivation.go
 */
import { ValidationError } from '../lib/errors.ts';
import type { NetworkName } from '../wire/chains.ts';

/** BIP 32: child indexes at or above 2^31 are hardened. */
export const HARDENED = 0x80000000;

/** BIP 43 purpose of the Lightning keychain (lnd's `BIP0043Purpose`). */
export const LIGHTNING_PURPOSE = 1017;

/** BIP 84 purpose: native SegWit v0 P2WPKH accounts. */
export const BIP84_PURPOSE = 84;

/** The one on-chain account Glint uses. */
export const DEFAULT_ACCOUNT = 0;

/** BIP 44 chain indexes: 0 external (receive), 1 internal (change). */
export const RECEIVE_CHAIN = 0;
export const CHANGE_CHAIN = 1;
export type AddressChain = typeof RECEIVE_CHAIN | typeof CHANGE_CHAIN;

/**
 * Lightning key families (the third path level), numbered as lnd numbers them so the meaning of
 * each subtree matches an existing, documented convention.
 */
export const KEY_FAMILY = Object.freeze({
  /** BOLT 3 `funding_pubkey`: our half of the 2-of-2 funding output. */
  multisig: 0,
  /** BOLT 3 `revocation_basepoint`. */
  revocationBase: 1,
  /** BOLT 3 `htlc_basepoint`. */
  htlcBase: 2,
  /** BOLT 3 `payment_basepoint` (with static_remotekey, the key the peer pays our to_remote to). */
  paymentBase: 3,
  /** BOLT 3 `delayed_payment_basepoint`. */
  delayBase: 4,
  /** The 32-byte secret key here is the BOLT 3 per-commitment (shachain) seed of the channel. */
  perCommitmentSeed: 5,
  /** BOLT 8 node identity key (index 0). */
  nodeKey: 6,
  /** The secret (index 0) the backup file key is derived from (lnd's family 7, `KeyFamilyBaseEncryption`, for the same use). */
  backupEncryption: 7,
} as const);
export type KeyFamily = (typeof KEY_FAMILY)[keyof typeof KEY_FAMILY];

/** The last child index a non-hardened BIP 32 level can take. */
export const MAX_CHILD_INDEX = HARDENED - 1;

/** SLIP 44 coin type: 0 for bitcoin mainnet, 1 for every test network. */
export function coinType(network: NetworkName): 0 | 1 {
  return network === 'bitcoin' ? 0 : 1;
}

/** Check a non-hardened child index, naming `field` if it is out of range. */
export function checkChildIndex(index: number, field: string): void {
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_CHILD_INDEX) {
    throw new ValidationError(field, `must be an integer from 0 to ${MAX_CHILD_INDEX}, got ${String(index)}`);
  }
}

/** A path as BIP 32 child numbers (hardened ones already offset by 2^31). */
export type PathIndexes = readonly number[];

/** Render child numbers as `m/1017'/0'/6'/0/0`. */
export function formatPath(path: PathIndexes): string {
  return ['m', ...path.map((i) => (i >= HARDENED ? `${i - HARDENED}'` : String(i)))].join('/');
}

/** `m/1017'/coin'/family'/0`: the node under which a family's keys are numbered. */
export function lightningFamilyPath(network: NetworkName, family: KeyFamily): PathIndexes {
  return [LIGHTNING_PURPOSE + HARDENED, coinType(network) + HARDENED, family + HARDENED, 0];
}

/** `m/1017'/coin'/family'/0/index`. */
export function lightningKeyPath(network: NetworkName, family: KeyFamily, index: number): PathIndexes {
  checkChildIndex(index, 'index');
  return [...lightningFamilyPath(network, family), index];
}

/** The node identity key: `m/1017'/coin'/6'/0/0`. */
export function nodeKeyPath(network: NetworkName): PathIndexes {
  return lightningKeyPath(network, KEY_FAMILY.nodeKey, 0);
}

/** BIP 84 account: `m/84'/coin'/account'`. */
export function bip84AccountPath(network: NetworkName, account = DEFAULT_ACCOUNT): PathIndexes {
  checkChildIndex(account, 'account');
  return [BIP84_PURPOSE + HARDENED, coinType(network) + HARDENED, account + HARDENED];
}

/** BIP 84 address key: `m/84'/coin'/account'/change/index`. */
export function bip84Path(network: NetworkName, chain: AddressChain, index: number, account = DEFAULT_ACCOUNT): PathIndexes {
  if (chain !== RECEIVE_CHAIN && chain !== CHANGE_CHAIN) throw new ValidationError('chain', 'must be 0 (receive) or 1 (change)');
  checkChildIndex(index, 'index');
  return [...bip84AccountPath(network, account), chain, index];
}

/**
 * The path templates as text, for the README and for anyone restoring a Glint seed with another
 * tool. `coin'` is 0' on bitcoin and 1' on testnet/signet/regtest; `n` is the channel index.
 */
export const DERIVATION_PATHS = Object.freeze({
  nodeKey: "m/1017'/coin'/6'/0/0",
  backupEncryption: "m/1017'/coin'/7'/0/0",
  channelFunding: "m/1017'/coin'/0'/0/n",
  channelRevocationBasepoint: "m/1017'/coin'/1'/0/n",
  channelHtlcBasepoint: "m/1017'/coin'/2'/0/n",
  channelPaymentBasepoint: "m/1017'/coin'/3'/0/n",
  channelDelayedPaymentBasepoint: "m/1017'/coin'/4'/0/n",
  channelPerCommitmentSeed: "m/1017'/coin'/5'/0/n",
  onchainReceive: "m/84'/coin'/0'/0/i",
  onchainChange: "m/84'/coin'/0'/1/i",
} as const);
