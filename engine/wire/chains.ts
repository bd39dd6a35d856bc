/**
 * Chain identifiers (BOLT 0 `chain_hash`): the genesis block hash in internal byte order, i.e. the
 * reverse of the hex block explorers print.
 */
import { hexToBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';

export type NetworkName = 'bitcoin' | 'testnet' | 'signet' | 'regtest';

export const NETWORKS: readonly NetworkName[] = Object.freeze(['bitcoin', 'testnet', 'signet', 'regtest'] as const);

const GENESIS_DISPLAY_HEX: Readonly<Record<NetworkName, string>> = Object.freeze({
  bitcoin: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
  testnet: '000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943',
  signet: '00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6',
  regtest: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
});

/** `chain_hash` of a network. */
export function chainHash(network: NetworkName): Uint8Array {
  return hexToBytes(GENESIS_DISPLAY_HEX[network]).reverse();
}

/** Validate a network name typed by a user. */
export function parseNetwork(text: string): NetworkName {
  if ((NETWORKS as readonly string[]).includes(text)) return text as NetworkName;
  throw new ValidationError('network', `must be one of ${NETWORKS.join(', ')}; got "${text}"`);
}
