/**
 * Address parameters per network, as bitcoinjs-lib `Network` objects (BIP 173 human-readable
 * parts, base58 version bytes). Signet shares testnet's parameters; regtest uses `bcrt`.
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki#segwit-address-format
 */
import { networks, type Network } from 'bitcoinjs-lib';
import { ValidationError } from '../lib/errors.ts';
import type { NetworkName } from '../wire/chains.ts';

const BY_NAME: Readonly<Record<NetworkName, Network>> = Object.freeze({
  bitcoin: networks.bitcoin,
  testnet: networks.testnet,
  signet: networks.testnet,
  regtest: networks.regtest,
});

/** bitcoinjs-lib network parameters for a network name. */
export function bitcoinjsNetwork(network: NetworkName): Network {
  const n = BY_NAME[network];
  if (!n) throw new ValidationError('network', `unknown network "${String(network)}"`);
  return n;
}

/** BIP 173 human-readable part of SegWit addresses: bc, tb (testnet and signet), bcrt. */
export function bech32Hrp(network: NetworkName): string {
  return bitcoinjsNetwork(network).bech32;
}

/** The networks whose addresses look like `network`'s (testnet and signet are indistinguishable). */
export function networksWithHrp(hrp: string): NetworkName[] {
  return (Object.keys(BY_NAME) as NetworkName[]).filter((n) => BY_NAME[n].bech32 === hrp);
}

/** Which networks a base58 version byte belongs to (testnet/signet/regtest share them). */
export function networksWithBase58Version(version: number): NetworkName[] {
  return (Object.keys(BY_NAME) as NetworkName[]).filter((n) => BY_NAME[n].pubKeyHash === version || BY_NAME[n].scriptHash === version);
}
