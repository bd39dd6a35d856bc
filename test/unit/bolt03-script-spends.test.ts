/**
 * BOLT 3 scripts spent the way the spec says, under an independent interpreter (bcoin):
 * every vector commitment and HTLC transaction, then each witness the spec lists for `to_local`,
 * `to_remote`, the anchors, offered and received HTLC outputs and the HTLC transactions' outputs,
 * with keys derived by engine/channel/bolt3/keys.ts (so revocation really is spendable by the peer).
 */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import anchorVectors from '../vectors/bolt03-commitment-tx-anchors.json' with { type: 'json' };
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { buildCommitment, finalizeCommitment, signCommitment, type CommitmentOutput } from '../../engine/channel/bolt3/commitment.ts';
import { buildHtlcTxs, finalizeHtlcTx, signHtlcTx } from '../../engine/channel/bolt3/htlc-tx.ts';
import { derivePrivkey, deriveRevocationPrivkey } from '../../engine/channel/bolt3/keys.ts';
import { fundingScript } from '../../engine/channel/bolt3/funding.ts';
import { p2wpkh } from '../../engine/channel/bolt3/scripts.ts';
import { SIGHASH_ALL, encodeSignature, signInput } from '../../engine/channel/bolt3/sign.ts';
import type { ChannelType } from '../../engine/channel/bolt3/types.ts';
import {
  appendixC,
  commitmentParams,
  htlcsById,
  localHtlcPrivkey,
  perCommitmentPoint,
  remoteHtlcPrivkey,
  secrets,
} from './bolt03-fixtures.ts';
import { scriptError } from './bolt03-interpreter.ts';

const funding = fundingScript(publicKeyOf(secrets.localFunding), publicKeyOf(secrets.remoteFunding));
const delayedPrivkey = derivePrivkey(secrets.localDelayedPaymentBasepoint, perCommitmentPoint);
const revocationPrivkey = deriveRevocationPrivkey(secrets.remoteRevocationBasepoint, secrets.localPerCommitment);
const sweepTo = p2wpkh(publicKeyOf(secrets.localPaymentBasepoint));

describe('BOLT 3 vectors pass a script interpreter', () => {
  it('every Appendix C commitment spends the funding output', () => {
    for (const t of appendixC.tests) expect(scriptError(hexToBytes(t.commit_tx), 0, funding.scriptPubKey, 10_000_000n)).toBeUndefined();
  });
  it('every Appendix F commitment spends the funding output', () => {
    for (const t of anchorVectors.tests) expect(scriptError(hexToBytes(t.ExpectedCommitmentTxHex), 0, funding.scriptPubKey, 10_000_000n)).toBeUndefined();
  });
  it('a tampered commitment does not', () => {
    const tx = Transaction.fromHex(appendixC.tests[0]?.commit_tx ?? '');
    const out = tx.outs[0];
    if (out) out.value -= 1n;
    expect(scriptError(tx.toBuffer(), 0, funding.scriptPubKey, 10_000_000n)).toBeDefined();
  });
});

/** A one-input, one-output sweep of `out` with the given nSequence/locktime; `witness` builds the stack. */
interface Prevout {
  readonly index: number;
  readonly valueSat: bigint;
  readonly scriptPubKey: Uint8Array;
  readonly witnessScript: Uint8Array | undefined;
}

function sweep(c: { txid: Uint8Array }, out: Prevout, opts: { sequence: number; locktime?: number }, witness: (sign: (key: Uint8Array) => Uint8Array) => Uint8Array[]): string | undefined {
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = opts.locktime ?? 0;
  tx.addInput(c.txid.slice(), out.index, opts.sequence);
  tx.addOutput(sweepTo, out.valueSat - 200n > 0n ? out.valueSat - 200n : 0n);
  // P2WPKH's BIP 143 script code is the P2PKH script of the key hash.
  const code = out.witnessScript ?? Uint8Array.from([0x76, 0xa9, 0x14, ...out.scriptPubKey.subarray(2), 0x88, 0xac]);
  const sign = (key: Uint8Array): Uint8Array => encodeSignature(signInput(tx, 0, code, out.valueSat, key, SIGHASH_ALL), SIGHASH_ALL);
  const stack = witness(sign);
  tx.setWitness(0, out.witnessScript ? [...stack, out.witnessScript] : stack);
  return scriptError(tx.toBuffer(), 0, out.scriptPubKey, out.valueSat);
}

const empty = new Uint8Array(0);
const one = Uint8Array.of(1);

for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
  describe(`BOLT 3 output scripts are spendable as specified (${channelType})`, () => {
    const anchors = channelType === 'anchors_zero_fee_htlc_tx';
    const c = buildCommitment(
      commitmentParams({ channelType, toLocalMsat: 6_988_000_000n, toRemoteMsat: 3_000_000_000n, feeratePerKw: 644, dustLimitSatoshis: 546n, htlcs: htlcsById([0, 1, 2, 3, 4]) }),
    );
    const signed = finalizeCommitment(c, signCommitment(c, secrets.localFunding), signCommitment(c, secrets.remoteFunding));
    const kind = (k: CommitmentOutput['kind']): CommitmentOutput => {
      const o = c.outputs.find((x) => x.kind === k);
      if (!o) throw new Error(`no ${k} output`);
      return o;
    };
    const htlcSeq = anchors ? 1 : 0;

    it('the commitment spends the funding output', () => {
      expect(scriptError(signed.toBuffer(), 0, funding.scriptPubKey, c.fundingSatoshis)).toBeUndefined();
    });
    it('to_local: <local_delayedsig> <> after to_self_delay; <revocation_sig> 1 at once', () => {
      const o = kind('to_local');
      expect(sweep(c, o, { sequence: c.toSelfDelay }, (s) => [s(delayedPrivkey), empty])).toBeUndefined();
      expect(sweep(c, o, { sequence: c.toSelfDelay - 1 }, (s) => [s(delayedPrivkey), empty])).toBeDefined();
      expect(sweep(c, o, { sequence: 0 }, (s) => [s(revocationPrivkey), one])).toBeUndefined();
      expect(sweep(c, o, { sequence: 0 }, (s) => [s(delayedPrivkey), one])).toBeDefined();
    });
    it(anchors ? 'to_remote: <remote_sig> with nSequence 1' : 'to_remote: P2WPKH <remote_sig> <remotepubkey>', () => {
      const o = kind('to_remote');
      const pub = publicKeyOf(secrets.remotePaymentBasepoint);
      if (anchors) {
        expect(sweep(c, o, { sequence: 1 }, (s) => [s(secrets.remotePaymentBasepoint)])).toBeUndefined();
        expect(sweep(c, o, { sequence: 0 }, (s) => [s(secrets.remotePaymentBasepoint)])).toBeDefined();
      } else {
        expect(sweep(c, o, { sequence: 0 }, (s) => [s(secrets.remotePaymentBasepoint), pub])).toBeUndefined();
      }
    });
    if (anchors) {
      it('anchors: <funding_sig> at once; <> by anyone after 16 blocks', () => {
        for (const [k, key] of [['to_local_anchor', secrets.localFunding], ['to_remote_anchor', secrets.remoteFunding]] as const) {
          const o = kind(k);
          expect(sweep(c, o, { sequence: 0 }, (s) => [s(key)])).toBeUndefined();
          expect(sweep(c, o, { sequence: 16 }, () => [empty])).toBeUndefined();
          expect(sweep(c, o, { sequence: 15 }, () => [empty])).toBeDefined();
        }
      });
    }
    it('offered HTLC: remote <remotehtlcsig> <payment_preimage>; <revocation_sig> <revocationpubkey>', () => {
      for (const o of c.htlcOutputs.filter((x) => x.kind === 'offered_htlc')) {
        expect(sweep(c, o, { sequence: htlcSeq }, (s) => [s(remoteHtlcPrivkey), o.htlc.preimage])).toBeUndefined();
        expect(sweep(c, o, { sequence: htlcSeq }, (s) => [s(remoteHtlcPrivkey), new Uint8Array(32)])).toBeDefined();
        expect(sweep(c, o, { sequence: 0 }, (s) => [s(revocationPrivkey), c.keys.revocationPubkey])).toBeUndefined();
      }
    });
    it('received HTLC: remote <remotehtlcsig> <> after cltv_expiry; <revocation_sig> <revocationpubkey>', () => {
      for (const o of c.htlcOutputs.filter((x) => x.kind === 'received_htlc')) {
        const cltv = o.htlc.cltvExpiry;
        expect(sweep(c, o, { sequence: htlcSeq, locktime: cltv }, (s) => [s(remoteHtlcPrivkey), empty])).toBeUndefined();
        expect(sweep(c, o, { sequence: htlcSeq, locktime: cltv - 1 }, (s) => [s(remoteHtlcPrivkey), empty])).toBeDefined();
        expect(sweep(c, o, { sequence: 0 }, (s) => [s(revocationPrivkey), c.keys.revocationPubkey])).toBeUndefined();
      }
    });
    it('HTLC-success / HTLC-timeout spend their outputs; theirs is delayed for the owner and revocable', () => {
      const txs = buildHtlcTxs(c);
      expect(txs.length).toBe(c.htlcOutputs.length);
      for (const h of txs) {
        const tx = finalizeHtlcTx(h, {
          localSignature: signHtlcTx(h, localHtlcPrivkey, 'local'),
          remoteSignature: signHtlcTx(h, remoteHtlcPrivkey, 'remote'),
          paymentPreimage: h.kind === 'htlc-success' ? h.htlc.preimage : undefined,
        });
        const spent = c.outputs[h.commitmentOutputIndex];
        if (!spent) throw new Error('missing output');
        expect(scriptError(tx.toBuffer(), 0, spent.scriptPubKey, spent.valueSat)).toBeUndefined();
        const out: Prevout = { index: 0, valueSat: h.outputValueSat, scriptPubKey: tx.outs[0]?.script ?? empty, witnessScript: h.outputWitnessScript };
        const prev = { txid: tx.getHash() };
        expect(sweep(prev, out, { sequence: c.toSelfDelay }, (s) => [s(delayedPrivkey), empty])).toBeUndefined();
        expect(sweep(prev, out, { sequence: 0 }, (s) => [s(revocationPrivkey), one])).toBeUndefined();
      }
    });
  });
}
