/**
 * The node identity for CLI commands. Until a wallet exists in `--data` (the wallet issue adds
 * `glint init`), commands that need an identity use a throwaway key made fresh for each run.
 */
import { isValidSecretKey, type Entropy } from '../engine/index.ts';

export async function throwawayIdentity(_dataDir: string | undefined, entropy: Entropy): Promise<Uint8Array> {
  let secret = entropy.randomBytes(32);
  while (!isValidSecretKey(secret)) secret = entropy.randomBytes(32);
  return secret;
}
