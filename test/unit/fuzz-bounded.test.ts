/**
 * The fuzz targets (test/fuzz) in CI: every target runs a small, fixed number of inputs from a
 * fixed seed and must report no crash and no hang. `npm run fuzz` runs the same targets for
 * millions of inputs. The controls show the runner does report a crash and a slow input.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../engine/lib/errors.ts';
import { runTarget, type FuzzTarget } from '../fuzz/runner.ts';
import { TARGETS } from '../fuzz/targets.ts';
import { Rng } from '../fuzz/mutate.ts';
import { BACKUP_SECRET } from '../fuzz/corpus-backup.ts';
import { readVectorAct3 } from '../fuzz/targets-transport.ts';
import { TransportError } from '../../engine/transport/index.ts';
import { vector } from '../fuzz/corpus.ts';
import { ecdh } from '../../engine/crypto/secp256k1.ts';
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { openBackup } from '../../engine/node/backup-codec.ts';
import { decodeFailurePacket, peelOnion } from '../../engine/onion/index.ts';
import { parseHeader } from '../../engine/store/envelope.ts';
import { CorruptRecordError } from '../../engine/store/errors.ts';

const onionVector = vector<{ decode: string[]; generate: { associated_data: string } }>('bolt04-onion-test.json');

/** Inputs per target: the slowest targets get fewer; the whole file stays well under 20 s. */
const COUNT: Record<string, number> = { 'onion-peel': 300, 'onion-failure': 200, 'transport-frames': 200, 'transport-handshake': 300 };

describe('fuzz targets (bounded)', () => {
  it('covers every decoder family named by issue 7', () => {
    const names = TARGETS.map((t) => t.name);
    const issue7 = ['wire-message', 'wire-tlv', 'wire-features', 'transport-handshake', 'transport-frames', 'onion-peel', 'onion-payload', 'onion-failure', 'bolt11', 'payment-text', 'lnurl'];
    const boundary = ['esplora-json-text', 'esplora-json-value', 'esplora-text', 'esplora-tx', 'rpc-request', 'rpc-worker-message', 'app-input', 'cli-api-json', 'cli-api-body', 'cli-args'];
    const store = ['store-envelope', 'record-channel', 'record-channel-revoked', 'record-wallet', 'record-payments', 'record-node', 'record-seed', 'record-migrations', 'backup-plaintext', 'backup-file'];
    for (const n of [...issue7, ...boundary, ...store]) expect(names).toContain(n);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(TARGETS.map((t) => [t.name, t] as const))('%s: no crash, no hang', (_name, target) => {
    const r = runTarget(target, { iterations: COUNT[target.name] ?? 600, seed: 'ci', budgetMs: 5000 });
    expect(r.findings).toEqual([]);
    expect(r.crashes + r.hangs).toBe(0);
    expect(r.inputs).toBe(COUNT[target.name] ?? 600);
  });
});

describe('structure-aware mutations get past the outer checks', () => {
  const target = (name: string): FuzzTarget & { kind: 'bytes' } => {
    const t = TARGETS.find((x) => x.name === name);
    if (!t || t.kind !== 'bytes' || !t.mutate) throw new Error(`no bytes target ${name} with a mutator`);
    return t;
  };

  it('onion-peel: onions sealed to hop 0 pass the HMAC and reach payload decoding', () => {
    const t = target('onion-peel');
    const rng = new Rng('peel');
    const seeds = t.seeds();
    const kinds = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const p = t.mutate?.(rng, seeds[0] as Uint8Array, seeds) as Uint8Array;
      const r = peelOnion(p, hexToBytes(onionVector.generate.associated_data), (q) => ecdh(hexToBytes(onionVector.decode[0] as string), q));
      kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    }
    expect(kinds.get('malformed') ?? 0).toBe(0);
    expect((kinds.get('final') ?? 0) + (kinds.get('forward') ?? 0)).toBeGreaterThan(0);
    expect(kinds.get('bad-payload') ?? 0).toBeGreaterThan(0);
  });

  it('onion-failure: re-sealed failure messages pass the HMAC at the hop that sealed them', () => {
    const t = target('onion-failure');
    const rng = new Rng('failure');
    const seeds = t.seeds();
    const secrets = vector<{ generate: { hops: { hop_shared_secret: string }[] } }>('bolt04-onion-error-test.json').generate.hops.map((h) => hexToBytes(h.hop_shared_secret));
    const hops = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const d = decodeFailurePacket(t.mutate?.(rng, seeds[0] as Uint8Array, seeds) as Uint8Array, secrets);
      expect(d).toBeDefined();
      hops.add(d?.hopIndex ?? -1);
    }
    expect(hops.size).toBeGreaterThan(2);
    for (const p of seeds) expect(decodeFailurePacket(p, secrets)).toBeDefined();
  });

  it('backup-file: re-sealed bodies pass the AEAD (refused, if at all, for a field inside)', () => {
    const t = target('backup-file');
    const rng = new Rng('backup');
    const seeds = t.seeds();
    let accepted = 0;
    for (let i = 0; i < 100; i++) {
      try {
        openBackup(t.mutate?.(rng, seeds[0] as Uint8Array, seeds) as Uint8Array, BACKUP_SECRET);
        accepted++;
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        expect((err as DecodeError).field).not.toBe('backup.ciphertext');
      }
    }
    for (const f of seeds) expect(openBackup(f, BACKUP_SECRET).network).toMatch(/regtest|signet/);
    expect(accepted).toBeLessThan(100);
  });

  it('store-envelope: headers with a recomputed checksum reach the field checks', () => {
    const t = target('store-envelope');
    const rng = new Rng('header');
    const seeds = t.seeds();
    const reasons = new Set<string>();
    for (let i = 0; i < 200; i++) {
      try {
        parseHeader(t.mutate?.(rng, seeds[0] as Uint8Array, seeds) as Uint8Array);
        reasons.add('accepted');
      } catch (err) {
        expect(err).toBeInstanceOf(CorruptRecordError);
        reasons.add(String((err as Error).message).replace(/[0-9]+/g, 'N').slice(0, 60));
      }
    }
    expect([...reasons].some((r) => /checksum/.test(r))).toBe(false);
    expect([...reasons].some((r) => /KDF id|AEAD id|scrypt parameters|version/.test(r))).toBe(true);
    expect(reasons.has('accepted')).toBe(true);
  });

  it('transport-handshake: act 3 with a fuzzed static key passes its first MAC', () => {
    const t = target('transport-handshake');
    const rng = new Rng('act3');
    const seeds = t.seeds();
    const stages = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const act = t.mutate?.(rng, seeds[1] as Uint8Array, seeds) as Uint8Array;
      try {
        readVectorAct3(act);
        stages.set('accepted', (stages.get('accepted') ?? 0) + 1);
      } catch (err) {
        expect(err).toBeInstanceOf(TransportError);
        const m = (err as Error).message;
        const stage = /encrypted static key/.test(m) ? 'first MAC' : /bad static public key/.test(m) ? 'key' : /bad MAC/.test(m) ? 'second MAC' : m;
        stages.set(stage, (stages.get(stage) ?? 0) + 1);
      }
    }
    expect(stages.get('first MAC') ?? 0).toBeLessThan(6); // only a damaged version byte stops it earlier
    expect(stages.get('key') ?? 0).toBeGreaterThan(0);
    expect(stages.get('second MAC') ?? 0).toBeGreaterThan(0);
  });
});

describe('fuzz runner', () => {
  const control = (run: (b: Uint8Array) => void): FuzzTarget => ({
    name: 'control',
    description: 'a decoder with a planted bug',
    kind: 'bytes',
    seeds: () => [Uint8Array.of(1, 2, 3)],
    run,
    expected: (err) => err instanceof DecodeError,
  });

  it('reports an undocumented exception as a crash, with the input to reproduce it', () => {
    const r = runTarget(
      control((b) => {
        if (b.length > 3) throw new TypeError('planted');
        throw new DecodeError('x', 'short');
      }),
      { iterations: 300, seed: 's' },
    );
    expect(r.crashes).toBeGreaterThan(0);
    expect(r.refused + r.crashes).toBe(300);
    const f = r.findings[0];
    expect(f?.kind).toBe('crash');
    expect(f?.error).toBe('TypeError: planted');
    expect(f?.input.length).toBeGreaterThan(6);
  });

  it('reports an input over the time budget as a hang', () => {
    const r = runTarget(
      control((b) => {
        if (b[0] === 1) {
          const until = performance.now() + 30;
          while (performance.now() < until);
        }
      }),
      { iterations: 20, seed: 's', budgetMs: 10 },
    );
    expect(r.hangs).toBeGreaterThan(0);
    expect(r.findings.some((f) => f.kind === 'hang' && /budget 10 ms/.test(f.error))).toBe(true);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const seen = (seed: string): string[] => {
      const inputs: string[] = [];
      runTarget(control(() => {}), { iterations: 50, seed, onInput: (_i, input) => inputs.push(String(input)) });
      return inputs;
    };
    expect(seen('a')).toEqual(seen('a'));
    expect(seen('a')).not.toEqual(seen('b'));
    const r1 = new Rng('x');
    const r2 = new Rng('x');
    expect(Array.from({ length: 5 }, () => r1.u32())).toEqual(Array.from({ length: 5 }, () => r2.u32()));
  });
});
