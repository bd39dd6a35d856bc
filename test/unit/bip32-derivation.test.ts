/** BIP 32 Test Vectors 1 and 2, derived through engine/keys (`deriveFrom` over child numbers). */
import { describe, expect, it } from 'vitest';
import { HDKey } from '@scure/bip32';
import vectors from '../vectors/bip32.json' with { type: 'json' };
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { deriveFrom } from '../../engine/keys/account.ts';
import { formatPath, HARDENED } from '../../engine/keys/derivation.ts';

/** "m/0'/1" → [0x80000000, 1]. */
function parsePath(path: string): number[] {
  return path === 'm' ? [] : path.slice(2).split('/').map((p) => (p.endsWith("'") ? Number(p.slice(0, -1)) + HARDENED : Number(p)));
}

describe('BIP 32 test vectors', () => {
  for (const v of vectors.vectors) {
    describe(v.name, () => {
      const master = HDKey.fromMasterSeed(hexToBytes(v.seed));
      for (const c of v.chains) {
        it(c.path, () => {
          const indexes = parsePath(c.path);
          expect(formatPath(indexes)).toBe(c.path);
          const k = deriveFrom(master, indexes);
          expect(k.privateExtendedKey).toBe(c.xprv);
          expect(k.publicExtendedKey).toBe(c.xpub);
          // Public derivation of the non-hardened tail agrees with private derivation.
          const lastHardened = indexes.map((i) => i >= HARDENED).lastIndexOf(true);
          const base = deriveFrom(master, indexes.slice(0, lastHardened + 1));
          const pub = deriveFrom(HDKey.fromExtendedKey(base.publicExtendedKey), indexes.slice(lastHardened + 1));
          expect(pub.publicExtendedKey).toBe(c.xpub);
        });
      }
    });
  }
});
