/** BIP 84 test vectors through Keychain/OnchainAccount, cross-checked with bitcoinjs-lib payments. */
import { describe, expect, it } from 'vitest';
import { HDKey } from '@scure/bip32';
import { createBase58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { mnemonicToSeedSync } from '@scure/bip39';
import { payments, networks } from 'bitcoinjs-lib';
import v from '../vectors/bip84.json' with { type: 'json' };
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { bip84Versions } from '../../engine/keys/account.ts';
import { formatPath } from '../../engine/keys/derivation.ts';
import { p2wpkhAddress, parseAddress } from '../../engine/wallet/addresses.ts';
import { p2wpkhScript } from '../../engine/wallet/script.ts';

const wif = (secret: Uint8Array): string => createBase58check(sha256).encode(Uint8Array.from([0x80, ...secret, 0x01]));

const keychain = await Keychain.fromMnemonic(v.mnemonic, v.passphrase, 'bitcoin');

describe('BIP 84 test vectors', () => {
  const account = keychain.onchain();

  it('root keys (zprv/zpub)', () => {
    const root = HDKey.fromMasterSeed(mnemonicToSeedSync(v.mnemonic, v.passphrase), bip84Versions('bitcoin'));
    expect(root.privateExtendedKey).toBe(v.rootpriv);
    expect(root.publicExtendedKey).toBe(v.rootpub);
  });

  it('account 0 m/84\'/0\'/0\'', () => {
    expect(formatPath(account.path)).toBe(v.account.path);
    expect(account.zpub).toBe(v.account.xpub);
    const root = HDKey.fromMasterSeed(mnemonicToSeedSync(v.mnemonic), bip84Versions('bitcoin'));
    expect(root.derive(v.account.path).privateExtendedKey).toBe(v.account.xpriv);
    // The same key with standard versions is what xpub-only tools expect.
    expect(account.xpub.startsWith('xpub')).toBe(true);
    expect(HDKey.fromExtendedKey(account.xpub).publicKey).toEqual(HDKey.fromExtendedKey(v.account.xpub, bip84Versions('bitcoin')).publicKey);
  });

  for (const a of v.addresses) {
    it(`${a.name} ${a.path}`, () => {
      const chain = a.chain as 0 | 1;
      expect(account.pathOf(chain, a.index)).toBe(a.path);
      const pub = account.publicKey(chain, a.index);
      expect(bytesToHex(pub)).toBe(a.pubkey);
      expect(wif(account.secretKey(chain, a.index))).toBe(a.privkey);
      expect(p2wpkhAddress(pub, 'bitcoin')).toBe(a.address);
      // Independent path: bitcoinjs-lib's payment builder.
      const p = payments.p2wpkh({ pubkey: pub, network: networks.bitcoin });
      expect(p.address).toBe(a.address);
      expect(bytesToHex(p.output as Uint8Array)).toBe(bytesToHex(p2wpkhScript(pub)));
      expect(bytesToHex(parseAddress(a.address, 'bitcoin').scriptPubKey)).toBe(bytesToHex(p.output as Uint8Array));
    });
  }
});
