/**
 * The wallet's BIP 84 addresses: scriptPubKey and address per (chain, index), derived once and
 * cached, plus the reverse lookup "is this script ours?" used to read transactions.
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0084.mediawiki
 */
import { bytesToHex } from '../lib/bytes.ts';
import type { OnchainAccount } from '../keys/account.ts';
import type { AddressChain } from '../keys/derivation.ts';
import type { NetworkName } from '../wire/chains.ts';
import { p2wpkhAddress } from './addresses.ts';
import { p2wpkhScript } from './script.ts';
import type { OwnedScript } from './utxos.ts';

export class AddressBook {
  readonly account: OnchainAccount;
  readonly network: NetworkName;
  private readonly scripts: [Uint8Array[], Uint8Array[]] = [[], []];
  private readonly owners = new Map<string, OwnedScript>();

  constructor(account: OnchainAccount) {
    this.account = account;
    this.network = account.network;
  }

  /** P2WPKH scriptPubKey of m/84'/coin'/account'/chain/index. */
  script(chain: AddressChain, index: number): Uint8Array {
    const list = this.scripts[chain];
    let spk = list[index];
    if (!spk) {
      spk = p2wpkhScript(this.account.publicKey(chain, index));
      list[index] = spk;
      this.owners.set(bytesToHex(spk), { chain, index });
    }
    return spk;
  }

  address(chain: AddressChain, index: number): string {
    return p2wpkhAddress(this.account.publicKey(chain, index), this.network);
  }

  /** Derive indexes 0 … upTo of a chain so `owner` recognises them. */
  ensure(chain: AddressChain, upTo: number): void {
    for (let i = 0; i <= upTo; i++) this.script(chain, i);
  }

  /** Which of our addresses pays to `spkHex` (lowercase hex), among those derived so far. */
  owner(spkHex: string): OwnedScript | undefined {
    return this.owners.get(spkHex);
  }
}
