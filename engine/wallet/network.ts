/**
 * Address parameters per network: BIP 173 human-readable parts and base58 version bytes
 * (Bitcoin Core's chainparams.cpp). Signet shares testnet's parameters; regtest uses `bcrt`.
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki#segwit-address-format
 */
import { ValidationError } from '../lib/errors.ts';
import type { NetworkName } from '../wire/chains.ts';

/** One network's address parameters. */
export interface AddressParams {
  /** BIP 173 human-readable part. */
  readonly bech32: string;
  /** base58check version byte of P2PKH addresses. */
  readonly pubKeyHash: number;
  /** base58check version byte of P2SH addresses. */
  readonly scriptHash: number;
}

const MAINNET: AddressParams = Object.freeze({ bech32: 'bc', pubKeyHash: 0x00, scriptHash: 0x05 });
const TESTNET: AddressParams = Object.freeze({ bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4 });
const REGTEST: AddressParams = Object.freeze({ bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4 });

const BY_NAME: Readonly<Record<NetworkName, AddressParams>> = Object.freeze({
  bitcoin: MAINNET,
  testnet: TESTNET,
  signet: TESTNET,
  regtest: REGTEST,
});

/** Address parameters for a network name. */
export function addressParams(network: NetworkName): AddressParams {
  const n = Object.hasOwn(BY_NAME, network) ? BY_NAME[network] : undefined;
  if (!n) throw new ValidationError('network', `unknown network "${String(network)}"`);
  return n;
}

/** BIP 173 human-readable part of SegWit addresses: bc, tb (testnet and signet), bcrt. */
export function bech32Hrp(network: NetworkName): string {
  return addressParams(network).bech32;
}

/** The networks whose addresses look like `network`'s (testnet and signet are indistinguishable). */
export function networksWithHrp(hrp: string): NetworkName[] {
  return (Object.keys(BY_NAME) as NetworkName[]).filter((n) => BY_NAME[n].bech32 === hrp);
}

/** Which networks a base58 version byte belongs to (testnet/signet/regtest share them). */
export function networksWithBase58Version(version: number): NetworkName[] {
  return (Object.keys(BY_NAME) as NetworkName[]).filter((n) => BY_NAME[n].pubKeyHash === version || BY_NAME[n].scriptHash === version);
}
