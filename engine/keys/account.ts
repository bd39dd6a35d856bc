/**
 * One BIP 84 account (m/84'/coin'/account'): its extended public key for watch-only export, and
 * the address keys under it. The two chain nodes (…/0 receive, …/1 change) are derived once and
 * public keys are cached, since each BIP 32 child costs an elliptic-curve multiplication.
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0032.mediawiki
 * https://github.com/bitcoin/bips/blob/master/bip-0084.mediawiki
 * https://github.com/satoshilabs/slips/blob/master/slip-0132.md (zpub/vpub version bytes)
 */
import { ValidationError } from '../lib/errors.ts';
import { BITCOIN_VERSIONS, HDNode, type Versions } from './bip32.ts';
import type { NetworkName } from '../wire/chains.ts';
import { bip84AccountPath, bip84Path, CHANGE_CHAIN, checkChildIndex, formatPath, RECEIVE_CHAIN, type AddressChain, type PathIndexes } from './derivation.ts';

/** BIP 32 serialization versions: xpub/xprv on mainnet, tpub/tprv on every test network. */
export function bip32Versions(network: NetworkName): Versions {
  return network === 'bitcoin' ? BITCOIN_VERSIONS : { public: 0x043587cf, private: 0x04358394 };
}

/** SLIP 132 versions for BIP 84 accounts: zpub/zprv on mainnet, vpub/vprv on test networks. */
export function bip84Versions(network: NetworkName): Versions {
  return network === 'bitcoin' ? { public: 0x04b24746, private: 0x04b2430c } : { public: 0x045f1cf6, private: 0x045f18bc };
}

/** Derive `path` below `node` one child at a time. */
export function deriveFrom(node: HDNode, path: PathIndexes): HDNode {
  let k = node;
  for (const i of path) k = k.deriveChild(i);
  return k;
}

export class OnchainAccount {
  readonly network: NetworkName;
  readonly account: number;
  /** `m/84'/coin'/account'` as child numbers. */
  readonly path: PathIndexes;
  /** BIP 32 fingerprint of the master key (for PSBT `bip32Derivation` and descriptors). */
  readonly masterFingerprint: number;
  /** The account's extended public key with standard BIP 32 versions (xpub… / tpub…). */
  readonly xpub: string;
  /** The same key with SLIP 132 BIP 84 versions (zpub… / vpub…), as BIP 84 publishes it. */
  readonly zpub: string;
  private readonly chains: readonly [HDNode, HDNode];
  private readonly pubkeys = new Map<number, Uint8Array>();

  /** @param master the BIP 32 master node (with its private key). */
  constructor(master: HDNode, network: NetworkName, account: number) {
    this.network = network;
    this.account = account;
    this.path = bip84AccountPath(network, account);
    this.masterFingerprint = master.fingerprint;
    const node = deriveFrom(master, this.path);
    this.xpub = node.withVersions(bip32Versions(network)).publicExtendedKey;
    this.zpub = node.withVersions(bip84Versions(network)).publicExtendedKey;
    this.chains = [node.deriveChild(RECEIVE_CHAIN), node.deriveChild(CHANGE_CHAIN)];
  }

  /** `m/84'/coin'/account'/chain/index` as text. */
  pathOf(chain: AddressChain, index: number): string {
    return formatPath(bip84Path(this.network, chain, index, this.account));
  }

  /** The 33-byte compressed public key of an address (cached). */
  publicKey(chain: AddressChain, index: number): Uint8Array {
    checkChildIndex(index, 'index');
    const key = index * 2 + chain;
    let pk = this.pubkeys.get(key);
    if (!pk) {
      pk = this.node(chain).deriveChild(index).publicKey;
      this.pubkeys.set(key, pk);
    }
    return pk.slice();
  }

  /** The 32-byte secret key of an address. Only the signer should call this. */
  secretKey(chain: AddressChain, index: number): Uint8Array {
    checkChildIndex(index, 'index');
    return this.node(chain).deriveChild(index).privateKey as Uint8Array;
  }

  private node(chain: AddressChain): HDNode {
    if (chain !== RECEIVE_CHAIN && chain !== CHANGE_CHAIN) throw new ValidationError('chain', 'must be 0 (receive) or 1 (change)');
    return this.chains[chain];
  }
}
