/**
 * Golden test: pins every derivation path and the keys they give for a fixed mnemonic, so any
 * change to a path (which would strand users' funds and channels) fails here. The pinned values
 * were computed with @scure/bip32 from the textual paths (HDKey.derive("m/1017'/0'/6'/0/0") …) and
 * bitcoinjs-lib payments, independently of engine/keys; the test also re-derives them that way.
 */
import { describe, expect, it } from 'vitest';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { networks, payments } from 'bitcoinjs-lib';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { bip32Versions } from '../../engine/keys/account.ts';
import {
  bip84Path,
  coinType,
  DERIVATION_PATHS,
  formatPath,
  KEY_FAMILY,
  lightningKeyPath,
  nodeKeyPath,
} from '../../engine/keys/derivation.ts';
import { p2wpkhAddress } from '../../engine/wallet/addresses.ts';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

const GOLDEN = {
  bitcoin: {
    nodeId: '03e2ed64c913bd000c21be4a48214d89edc26f550deefc795c57b6ed7c4f9a7728',
    channels: [
      {
        fundingPubkey: '03d1b5ab1b25d426af3e67320940028ed5381f84a45830881cb39ca3a0953a38c4',
        revocationBasepoint: '032019364962b93c87f7d94325d624db2735e622b193b5abd9daf3fc2b11c77c4e',
        htlcBasepoint: '02e1d9770ecfcabdf7ee2704746060f0f54207fca23adf0cba0f8898846e9e4fcf',
        paymentBasepoint: '0368aa6d44967ec77be05cdba0ef63b9c4bbc5d790d68831f159bd03e463de70f7',
        delayedPaymentBasepoint: '02df784ea3b8b380268e84c921455a3403bca179bcf889e80fe3b231c9162f738f',
        shachainSeed: '8cd4be812e2c13e39074cf70de0361eab79e9bcf9c6221fb164fdba6e437a6cf',
      },
      {
        fundingPubkey: '03781ce606e1336527c02a01088c824abb9b3c3939cac6c735c4586f43198615b4',
        revocationBasepoint: '02a93a22ede2814fb317f2ac7ab73d61aee4cfd06cae4f61cc5ebcda16bff12c21',
        htlcBasepoint: '039e26dfa07562259bee3f8a5475315b8fa75bfc72f8153c8a07be6e4e09e9a9b9',
        paymentBasepoint: '0224a53c7fdb119d91adaedcd2feab18ee270d3cd538b24f463487b4edfd532105',
        delayedPaymentBasepoint: '02886f6091f7047455a8c4367218954803e3934c54df84aca61a76873b7248229f',
        shachainSeed: '8a86a6f4bf592c01d1ee597d40dc501950c60f9a19f499c7409ec9cd4fe8ae1a',
      },
    ],
    receive: ['bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g'],
    change: ['bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el'],
    accountKey: 'xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V',
  },
  regtest: {
    nodeId: '02b47d1dfb8d4aba27484cf6008c0d85b512d9acf2d888826f741a5b1ee709f3cd',
    channels: [
      {
        fundingPubkey: '028c1e3eace1ef53537ced49c9c00f15c156bb2e31b3012b11653f4c8f0b8b4037',
        revocationBasepoint: '0288e0e6c273044dd5d87002d003b973a797d78d9ca451c88a5958693ef508d118',
        htlcBasepoint: '03df59d47754c746c0aaae9c57a625030bdc22ef132b216f52f9ed488979c0a1b9',
        paymentBasepoint: '03e8075dcc26d0145db18c864e7937c658242f08ed178a285438b1f2619dd06fc4',
        delayedPaymentBasepoint: '02755b82aade226218656b04d5d364fdbc8cfc082345d9b147a12f4d70a6a4d738',
        shachainSeed: 'a7cc743bd1adc58d285436bbabf9e3e6d2b78546a47042366ef5d17b39527d2b',
      },
      {
        fundingPubkey: '0273b70287385b734ca2f5b6a681f663eec78f6e9a1aadb912596af17f4b08ee3c',
        revocationBasepoint: '03948623378a7c1e17db0654996d2462f5d1e1098776b06481df4f4359f3153f86',
        htlcBasepoint: '03afbc65bdc0500cbdfa18cf0b95e0646a63eb8f96d28038f227c85b111fd5c8c5',
        paymentBasepoint: '03819cfd85bc651d2398d03b0bb3461b514aea693b0c33f3abfba73ef60933848f',
        delayedPaymentBasepoint: '02dfa3f47c06a24d4a46e9dec716fc3e0909959fa76bfdde16002ef856203c886f',
        shachainSeed: '552a4ab99944fb6098ebd8aa9be9b6f626761d6f21786597c693edd628d0e04e',
      },
    ],
    receive: ['bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk', 'bcrt1qd7spv5q28348xl4myc8zmh983w5jx32cs707jh'],
    change: ['bcrt1q9u62588spffmq4dzjxsr5l297znf3z6jkgnhsw'],
    /** The account key with mainnet versions; ours is serialized as tpub on regtest. */
    accountKey: 'xpub6Bm9M1SxZdzL3TxdNV8897FgtTLBgehR1wVNnMyJ5VLRK5n3tFqXxrCVnVQj4zooN4eFSkf6Sma84reWc5ZCXMxPbLXQs3BcaBdTd4YQa3B',
  },
} as const;

const KEYCHAINS = { bitcoin: await Keychain.fromMnemonic(MNEMONIC, '', 'bitcoin'), regtest: await Keychain.fromMnemonic(MNEMONIC, '', 'regtest') };

describe('derivation paths (pinned)', () => {
  it('the documented templates match the path functions', () => {
    const sub = (t: string, coin: number, n: number): string => t.replace("coin'", `${coin}'`).replace(/\/[ni]$/, `/${n}`);
    for (const network of ['bitcoin', 'regtest'] as const) {
      const c = coinType(network);
      expect(formatPath(nodeKeyPath(network))).toBe(sub(DERIVATION_PATHS.nodeKey, c, 0));
      expect(formatPath(lightningKeyPath(network, KEY_FAMILY.backupEncryption, 0))).toBe(sub(DERIVATION_PATHS.backupEncryption, c, 0));
      expect(formatPath(lightningKeyPath(network, KEY_FAMILY.multisig, 7))).toBe(sub(DERIVATION_PATHS.channelFunding, c, 7));
      expect(formatPath(lightningKeyPath(network, KEY_FAMILY.revocationBase, 7))).toBe(sub(DERIVATION_PATHS.channelRevocationBasepoint, c, 7));
      expect(formatPath(lightningKeyPath(network, KEY_FAMILY.htlcBase, 7))).toBe(sub(DERIVATION_PATHS.channelHtlcBasepoint, c, 7));
      expect(formatPath(lightningKeyPath(network, KEY_FAMILY.paymentBase, 7))).toBe(sub(DERIVATION_PATHS.channelPaymentBasepoint, c, 7));
      expect(formatPath(lightningKeyPath(network, KEY_FAMILY.delayBase, 7))).toBe(sub(DERIVATION_PATHS.channelDelayedPaymentBasepoint, c, 7));
      expect(formatPath(lightningKeyPath(network, KEY_FAMILY.perCommitmentSeed, 7))).toBe(sub(DERIVATION_PATHS.channelPerCommitmentSeed, c, 7));
      expect(formatPath(bip84Path(network, 0, 7))).toBe(sub(DERIVATION_PATHS.onchainReceive, c, 7));
      expect(formatPath(bip84Path(network, 1, 7))).toBe(sub(DERIVATION_PATHS.onchainChange, c, 7));
    }
    expect(formatPath(nodeKeyPath('bitcoin'))).toBe("m/1017'/0'/6'/0/0");
    expect(formatPath(nodeKeyPath('testnet'))).toBe("m/1017'/1'/6'/0/0");
    expect(formatPath(nodeKeyPath('signet'))).toBe("m/1017'/1'/6'/0/0");
    expect(KEY_FAMILY).toEqual({ multisig: 0, revocationBase: 1, htlcBase: 2, paymentBase: 3, delayBase: 4, perCommitmentSeed: 5, nodeKey: 6, backupEncryption: 7 });
  });

  for (const network of ['bitcoin', 'regtest'] as const) {
    describe(network, () => {
      const g = GOLDEN[network];
      const keychain = KEYCHAINS[network];
      // The reference: @scure/bip39's seed and @scure/bip32's derivation.
      const root = HDKey.fromMasterSeed(mnemonicToSeedSync(MNEMONIC));
      const coin = coinType(network);

      it('node id', () => {
        expect(bytesToHex(keychain.nodeId())).toBe(g.nodeId);
        expect(bytesToHex(root.derive(`m/1017'/${coin}'/6'/0/0`).publicKey as Uint8Array)).toBe(g.nodeId);
        expect(bytesToHex(keychain.nodeSecret())).toBe(bytesToHex(root.derive(`m/1017'/${coin}'/6'/0/0`).privateKey as Uint8Array));
      });

      it('channel keys 0 and 1', () => {
        g.channels.forEach((want, n) => {
          const k = keychain.channelKeys(n);
          expect(k.channelIndex).toBe(n);
          expect(bytesToHex(k.fundingPubkey)).toBe(want.fundingPubkey);
          expect(bytesToHex(k.revocationBasepoint)).toBe(want.revocationBasepoint);
          expect(bytesToHex(k.htlcBasepoint)).toBe(want.htlcBasepoint);
          expect(bytesToHex(k.paymentBasepoint)).toBe(want.paymentBasepoint);
          expect(bytesToHex(k.delayedPaymentBasepoint)).toBe(want.delayedPaymentBasepoint);
          expect(bytesToHex(k.shachainSeed)).toBe(want.shachainSeed);
          // Each secret is the private key of the path, and its basepoint matches.
          const secrets = [k.fundingSecret, k.revocationBasepointSecret, k.htlcBasepointSecret, k.paymentBasepointSecret, k.delayedPaymentBasepointSecret];
          secrets.forEach((s, family) => expect(bytesToHex(s)).toBe(bytesToHex(root.derive(`m/1017'/${coin}'/${family}'/0/${n}`).privateKey as Uint8Array)));
        });
        // All keys of a channel are distinct, and channels do not share keys.
        const all = [0, 1].flatMap((n) => {
          const k = keychain.channelKeys(n);
          return [k.fundingPubkey, k.revocationBasepoint, k.htlcBasepoint, k.paymentBasepoint, k.delayedPaymentBasepoint].map(bytesToHex);
        });
        expect(new Set([...all, g.nodeId]).size).toBe(all.length + 1);
      });

      it('first receive and change addresses, account key', () => {
        const account = keychain.onchain();
        g.receive.forEach((addr, i) => {
          expect(p2wpkhAddress(account.publicKey(0, i), network)).toBe(addr);
          expect(payments.p2wpkh({ pubkey: root.derive(`m/84'/${coin}'/0'/0/${i}`).publicKey as Uint8Array, network: network === 'bitcoin' ? networks.bitcoin : networks.regtest }).address).toBe(addr);
        });
        g.change.forEach((addr, i) => expect(p2wpkhAddress(account.publicKey(1, i), network)).toBe(addr));
        const ours = HDKey.fromExtendedKey(account.xpub, bip32Versions(network));
        const pinned = HDKey.fromExtendedKey(g.accountKey);
        expect(ours.publicKey).toEqual(pinned.publicKey);
        expect(ours.chainCode).toEqual(pinned.chainCode);
        expect(account.xpub.slice(0, 4)).toBe(network === 'bitcoin' ? 'xpub' : 'tpub');
        expect(account.zpub.slice(0, 4)).toBe(network === 'bitcoin' ? 'zpub' : 'vpub');
      });
    });
  }

  it('a passphrase gives different keys; the keychain caches derived nodes', async () => {
    const a = await Keychain.fromMnemonic(MNEMONIC, '', 'bitcoin');
    const b = await Keychain.fromMnemonic(MNEMONIC, 'TREZOR', 'bitcoin');
    expect(bytesToHex(a.nodeId())).not.toBe(bytesToHex(b.nodeId()));
    expect(a.onchain()).toBe(a.onchain());
    expect(() => a.channelKeys(-1)).toThrow(/channelIndex/);
    expect(() => a.channelKeys(2 ** 31)).toThrow(/channelIndex/);
    expect(() => a.channelKeys(1.5)).toThrow(/channelIndex/);
    expect(() => Keychain.fromSeed(new Uint8Array(8), 'bitcoin')).toThrow(/seed/);
  });
});
