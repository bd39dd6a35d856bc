/**
 * All of a node's keys from one BIP 39 seed: the BOLT 8 node identity key, the BOLT 3 per-channel
 * keys and basepoints, and the BIP 84 on-chain account. Paths are in `derivation.ts`.
 *
 * The family nodes (m/1017'/coin'/family'/0) and accounts are derived once and cached; a channel
 * key then costs one child derivation. The master key stays inside this object (DESIGN.md rule 6:
 * secrets stay in the worker); nothing here serializes a private key.
 */
import { publicKeyOf } from '../crypto/secp256k1.ts';
import { ValidationError } from '../lib/errors.ts';
import type { Pbkdf2Sha512 } from '../ports.ts';
import type { NetworkName } from '../wire/chains.ts';
import { OnchainAccount, deriveFrom } from './account.ts';
import { HDNode } from './bip32.ts';
import { checkChildIndex, coinType, DEFAULT_ACCOUNT, KEY_FAMILY, lightningFamilyPath, type KeyFamily } from './derivation.ts';
import { mnemonicToSeed } from './mnemonic.ts';

/**
 * The keys of one channel (BOLT 3 "Key Derivation"): secrets and the matching compressed public
 * keys. `channelIndex` n selects child n in every family, so the set is recoverable from the seed
 * and the index alone.
 */
export interface ChannelKeys {
  readonly channelIndex: number;
  readonly fundingSecret: Uint8Array;
  readonly fundingPubkey: Uint8Array;
  readonly revocationBasepointSecret: Uint8Array;
  readonly revocationBasepoint: Uint8Array;
  readonly paymentBasepointSecret: Uint8Array;
  readonly paymentBasepoint: Uint8Array;
  readonly delayedPaymentBasepointSecret: Uint8Array;
  readonly delayedPaymentBasepoint: Uint8Array;
  readonly htlcBasepointSecret: Uint8Array;
  readonly htlcBasepoint: Uint8Array;
  /** BOLT 3 per-commitment seed: `shachain.perCommitmentSecret(seed, n)` gives the secrets. */
  readonly shachainSeed: Uint8Array;
}

export class Keychain {
  readonly network: NetworkName;
  /** BIP 32 fingerprint of the master key. */
  readonly masterFingerprint: number;
  private readonly master: HDNode;
  private readonly families = new Map<string, HDNode>();
  private readonly accounts = new Map<string, OnchainAccount>();
  private node: { secret: Uint8Array; id: Uint8Array } | undefined;

  private constructor(master: HDNode, network: NetworkName) {
    this.master = master;
    this.network = network;
    this.masterFingerprint = master.fingerprint;
  }

  /** From a BIP 32 seed (16…64 bytes; a BIP 39 seed is 64). */
  static fromSeed(seed: Uint8Array, network: NetworkName): Keychain {
    if (!(seed instanceof Uint8Array) || seed.length < 16 || seed.length > 64) {
      throw new ValidationError('seed', 'must be 16 to 64 bytes (BIP 32)');
    }
    checkNetwork(network);
    return new Keychain(HDNode.fromMasterSeed(seed), network);
  }

  /**
   * From a BIP 39 mnemonic and optional passphrase (validated; see `mnemonic.ts`). `pbkdf2` is the
   * platform's PBKDF2-HMAC-SHA512 (default: JS); the network is checked before the stretching.
   */
  static async fromMnemonic(mnemonic: string, passphrase: string, network: NetworkName, pbkdf2?: Pbkdf2Sha512): Promise<Keychain> {
    checkNetwork(network);
    return Keychain.fromSeed(await mnemonicToSeed(mnemonic, passphrase, pbkdf2), network);
  }

  /** The node identity secret key, m/1017'/coin'/6'/0/0. */
  nodeSecret(): Uint8Array {
    return this.nodeKey().secret.slice();
  }

  /** The 33-byte node id (BOLT 8 static public key). */
  nodeId(): Uint8Array {
    return this.nodeKey().id.slice();
  }

  /**
   * The secret behind the backup file's key, m/1017'/coin'/7'/0/0 (engine/node/backup-codec.ts
   * derives each file's key from it with HKDF and a per-file salt). Recoverable from the seed alone.
   */
  backupSecret(): Uint8Array {
    return (this.family(KEY_FAMILY.backupEncryption).deriveChild(0).privateKey as Uint8Array).slice();
  }

  /** Keys of channel `channelIndex` (0 ≤ n < 2^31), child n of families 0…5. */
  channelKeys(channelIndex: number): ChannelKeys {
    checkChildIndex(channelIndex, 'channelIndex');
    const secret = (family: KeyFamily): Uint8Array => this.family(family).deriveChild(channelIndex).privateKey as Uint8Array;
    const fundingSecret = secret(KEY_FAMILY.multisig);
    const revocationBasepointSecret = secret(KEY_FAMILY.revocationBase);
    const paymentBasepointSecret = secret(KEY_FAMILY.paymentBase);
    const delayedPaymentBasepointSecret = secret(KEY_FAMILY.delayBase);
    const htlcBasepointSecret = secret(KEY_FAMILY.htlcBase);
    return Object.freeze({
      channelIndex,
      fundingSecret,
      fundingPubkey: publicKeyOf(fundingSecret),
      revocationBasepointSecret,
      revocationBasepoint: publicKeyOf(revocationBasepointSecret),
      paymentBasepointSecret,
      paymentBasepoint: publicKeyOf(paymentBasepointSecret),
      delayedPaymentBasepointSecret,
      delayedPaymentBasepoint: publicKeyOf(delayedPaymentBasepointSecret),
      htlcBasepointSecret,
      htlcBasepoint: publicKeyOf(htlcBasepointSecret),
      shachainSeed: secret(KEY_FAMILY.perCommitmentSeed),
    });
  }

  /**
   * The BIP 84 account m/84'/coin'/account' (default: this keychain's network, account 0).
   * Cached: the account and both chain nodes are derived once.
   */
  onchain(network: NetworkName = this.network, account = DEFAULT_ACCOUNT): OnchainAccount {
    checkNetwork(network);
    checkChildIndex(account, 'account');
    const key = `${coinType(network)}/${account}/${network}`;
    let acct = this.accounts.get(key);
    if (!acct) {
      acct = new OnchainAccount(this.master, network, account);
      this.accounts.set(key, acct);
    }
    return acct;
  }

  private nodeKey(): { secret: Uint8Array; id: Uint8Array } {
    if (!this.node) {
      const secret = this.family(KEY_FAMILY.nodeKey).deriveChild(0).privateKey as Uint8Array;
      this.node = { secret, id: publicKeyOf(secret) };
    }
    return this.node;
  }

  private family(family: KeyFamily): HDNode {
    const key = `${coinType(this.network)}/${family}`;
    let node = this.families.get(key);
    if (!node) {
      node = deriveFrom(this.master, lightningFamilyPath(this.network, family));
      this.families.set(key, node);
    }
    return node;
  }
}

function checkNetwork(network: NetworkName): void {
  if (network !== 'bitcoin' && network !== 'testnet' && network !== 'signet' && network !== 'regtest') {
    throw new ValidationError('network', `unknown network "${String(network)}"`);
  }
}
