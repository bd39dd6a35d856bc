/**
 * BOLT 3 closing transactions (legacy `closing_signed` and `option_simple_close`). The spec has no
 * vectors for them, so the rules are checked one by one and every signed transaction is run
 * through an independent script interpreter.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import {
  buildClosingTx,
  buildLegacyClosingTx,
  finalizeClosing,
  signClosing,
  verifyClosingSignature,
  type ClosingTx,
} from '../../engine/channel/bolt3/closing.ts';
import { fundingScript } from '../../engine/channel/bolt3/funding.ts';
import { p2wpkh } from '../../engine/channel/bolt3/scripts.ts';
import { appendixC, secrets, txidInternal } from './bolt03-fixtures.ts';
import { scriptError } from './bolt03-interpreter.ts';

const localFunding = publicKeyOf(secrets.localFunding);
const remoteFunding = publicKeyOf(secrets.remoteFunding);
const localSpk = p2wpkh(publicKeyOf(secrets.localPaymentBasepoint));
const remoteSpk = p2wpkh(publicKeyOf(secrets.remotePaymentBasepoint));
const base = {
  fundingOutpoint: { txid: txidInternal(appendixC.common.funding_tx_id), index: 0 },
  fundingSatoshis: 10_000_000n,
  localFundingPubkey: localFunding,
  remoteFundingPubkey: remoteFunding,
} as const;

/** Sign with both keys, finalize, and run the funding spend through the interpreter. */
function signAndCheck(c: ClosingTx): string {
  const local = signClosing(c, secrets.localFunding);
  const remote = signClosing(c, secrets.remoteFunding);
  expect(verifyClosingSignature(c, remote, 'remote')).toBe(true);
  expect(verifyClosingSignature(c, local, 'remote')).toBe(false);
  const tx = finalizeClosing(c, local, remote);
  expect(scriptError(tx.toBuffer(), 0, fundingScript(localFunding, remoteFunding).scriptPubKey, c.fundingSatoshis)).toBeUndefined();
  return tx.toHex();
}

describe('BOLT 3 Legacy Closing Transaction', () => {
  const legacy = { ...base, localScriptPubkey: localSpk, remoteScriptPubkey: remoteSpk, dustLimitSatoshis: 546n };
  it('funder pays the fee, outputs rounded down and in BIP 69 order, nSequence 0xFFFFFFFF, locktime 0', () => {
    const c = buildLegacyClosingTx({ ...legacy, toLocalMsat: 6_999_999_999n, toRemoteMsat: 3_000_000_001n, feeSatoshis: 1000n, localIsFunder: true });
    expect(c.outputs.map((o) => [o.owner, o.valueSat])).toEqual([
      ['remote', 3_000_000n],
      ['local', 6_998_999n],
    ]);
    expect(c.feeSat).toBe(1001n); // fee_satoshis + the rounded-off msat
    expect(c.tx.version).toBe(2);
    expect(c.tx.locktime).toBe(0);
    expect(c.tx.ins[0]?.sequence).toBe(0xffffffff);
    signAndCheck(c);
  });
  it('the fee comes from the funder when that is the remote side', () => {
    const c = buildLegacyClosingTx({ ...legacy, toLocalMsat: 5_000_000_000n, toRemoteMsat: 5_000_000_000n, feeSatoshis: 700n, localIsFunder: false });
    expect(c.outputs.find((o) => o.owner === 'remote')?.valueSat).toBe(4_999_300n);
    expect(c.outputs.find((o) => o.owner === 'local')?.valueSat).toBe(5_000_000n);
  });
  it('equal amounts are ordered by scriptPubKey', () => {
    const c = buildLegacyClosingTx({ ...legacy, toLocalMsat: 5_000_000_000n, toRemoteMsat: 5_000_000_000n, feeSatoshis: 0n, localIsFunder: true });
    const [a, b] = c.outputs.map((o) => bytesToHex(o.scriptPubKey));
    expect((a ?? '') < (b ?? '')).toBe(true);
  });
  it('an output below our dust limit is dropped (its value goes to fees); we may drop our own', () => {
    const c = buildLegacyClosingTx({ ...legacy, toLocalMsat: 9_999_500_000n, toRemoteMsat: 500_000n, feeSatoshis: 1000n, localIsFunder: true });
    expect(c.outputs.map((o) => o.owner)).toEqual(['local']);
    expect(c.feeSat).toBe(1500n);
    signAndCheck(c);
    const own = buildLegacyClosingTx({ ...legacy, toLocalMsat: 1_000_000n, toRemoteMsat: 9_999_000_000n, feeSatoshis: 300n, localIsFunder: false, omitLocalOutput: true });
    expect(own.outputs.map((o) => o.owner)).toEqual(['remote']);
  });
  it('refuses a fee the funder cannot pay, balances that do not add up, and no outputs at all', () => {
    expect(() => buildLegacyClosingTx({ ...legacy, toLocalMsat: 500_000n, toRemoteMsat: 9_999_500_000n, feeSatoshis: 1000n, localIsFunder: true })).toThrow(/feeSatoshis/);
    expect(() => buildLegacyClosingTx({ ...legacy, toLocalMsat: 1n, toRemoteMsat: 0n, feeSatoshis: 0n, localIsFunder: true })).toThrow(/toLocalMsat/);
    expect(() =>
      buildLegacyClosingTx({ ...legacy, fundingSatoshis: 1000n, toLocalMsat: 1_000_000n, toRemoteMsat: 0n, feeSatoshis: 600n, localIsFunder: true }),
    ).toThrow(/outputs/);
  });
});

describe('BOLT 3 Closing Transaction (option_simple_close)', () => {
  const simple = { ...base, localScriptPubkey: localSpk, remoteScriptPubkey: remoteSpk, locktime: 800_000 };
  it('the closer pays, locktime from closing_complete, nSequence 0xFFFFFFFD', () => {
    const c = buildClosingTx({ ...simple, toLocalMsat: 3_000_000_000n, toRemoteMsat: 7_000_000_000n, feeSatoshis: 500n, localIsCloser: true });
    expect(c.outputs.map((o) => [o.owner, o.valueSat])).toEqual([
      ['local', 2_999_500n],
      ['remote', 7_000_000n],
    ]);
    expect(c.tx.locktime).toBe(800_000);
    expect(c.tx.ins[0]?.sequence).toBe(0xfffffffd);
    signAndCheck(c);
  });
  it('an OP_RETURN output carries 0 sat; a null script omits that output', () => {
    const opReturn = hexToBytes('6a0548656c6c6f');
    const c = buildClosingTx({ ...simple, remoteScriptPubkey: opReturn, toLocalMsat: 9_990_000_000n, toRemoteMsat: 10_000_000n, feeSatoshis: 500n, localIsCloser: false });
    expect(c.outputs.map((o) => [o.owner, o.valueSat])).toEqual([
      ['remote', 0n],
      ['local', 9_990_000n],
    ]);
    const omitted = buildClosingTx({ ...simple, remoteScriptPubkey: null, toLocalMsat: 9_990_000_000n, toRemoteMsat: 10_000_000n, feeSatoshis: 500n, localIsCloser: true });
    expect(omitted.outputs.map((o) => o.owner)).toEqual(['local']);
    expect(omitted.feeSat).toBe(10_500n);
    signAndCheck(omitted);
  });
  it('refuses a closer that cannot pay the fee', () => {
    expect(() => buildClosingTx({ ...simple, toLocalMsat: 100_000n, toRemoteMsat: 9_999_900_000n, feeSatoshis: 500n, localIsCloser: true })).toThrow(/feeSatoshis/);
  });
});
