/** A throwaway node identity for commands run without a wallet in `--data`. */
import { isValidSecretKey, type Entropy } from '../engine/index.ts';

export function throwawayIdentity(entropy: Entropy): Uint8Array {
  let secret = entropy.randomBytes(32);
  while (!isValidSecretKey(secret)) secret = entropy.randomBytes(32);
  return secret;
}
