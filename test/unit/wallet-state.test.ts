/** Wallet state codec (version byte, round trip, malformed bytes) and the ledger's conflict and trust rules. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Transaction } from 'bitcoinjs-lib';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { DecodeError, ValidationError } from '../../engine/lib/errors.ts';
import { checkWalletState, decodeWalletState, emptyWalletState, encodeWalletState, type WalletState } from '../../engine/wallet/state.ts';
import { buildLedger, type KnownTx } from '../../engine/wallet/utxos.ts';

const OURS = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0xaa)]);
const OURS2 = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0xab)]);
const THEIRS = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0xbb)]);
const owner = (hex: string): { chain: 0 | 1; index: number } | undefined =>
  hex === bytesToHex(OURS) ? { chain: 0, index: 0 } : hex === bytesToHex(OURS2) ? { chain: 1, index: 0 } : undefined;

let salt = 0;
function tx(inputs: { txid: string; vout: number }[], outputs: { spk: Uint8Array; value: bigint }[]): Transaction {
  const t = new Transaction();
  t.version = 2;
  if (inputs.length === 0) t.addInput(Uint8Array.from({ length: 32 }, (_, i) => (i + ++salt) & 0xff), salt, 0xffffffff);
  for (const i of inputs) t.addInput(Uint8Array.from(Buffer.from(i.txid, 'hex').reverse()), i.vout, 0xfffffffd);
  for (const o of outputs) t.addOutput(o.spk, o.value);
  return t;
}
const known = (t: Transaction, status: KnownTx['status'], local = false): KnownTx => ({ txid: t.getId(), raw: t.toBuffer(), status, ...(local ? { local } : {}) });
const conf = (h: number): KnownTx['status'] => ({ confirmed: true, blockHeight: h, blockHash: '00'.repeat(32), blockTime: 1_700_000_000 + h });
const UNCONF = { confirmed: false } as const;

describe('ledger', () => {
  it('trusts own change, not third-party unconfirmed coins; fee only when every input is ours', () => {
    const fund = tx([], [{ spk: OURS, value: 100_000n }]);
    const spend = tx([{ txid: fund.getId(), vout: 0 }], [{ spk: THEIRS, value: 40_000n }, { spk: OURS2, value: 59_000n }]);
    const incoming = tx([], [{ spk: OURS, value: 7_000n }]);
    const l = buildLedger([known(fund, conf(1)), known(spend, UNCONF), known(incoming, UNCONF)], owner, 1);
    expect(l.balance).toEqual({ confirmedSat: 0n, unconfirmedSat: 66_000n, immatureSat: 0n, spendableSat: 59_000n });
    const h = new Map(l.history.map((e) => [e.txid, e]));
    expect(h.get(spend.getId())).toEqual({ txid: spend.getId(), deltaSat: -41_000n, feeSat: 1_000n, status: UNCONF, spends: [`${fund.getId()}:0`] });
    expect(h.get(incoming.getId())?.feeSat).toBeUndefined();
    expect(l.history[l.history.length - 1]?.txid).toBe(fund.getId()); // confirmed last, newest first
  });

  it('a spend of an untrusted coin is untrusted too', () => {
    const incoming = tx([], [{ spk: OURS, value: 7_000n }]);
    const spend = tx([{ txid: incoming.getId(), vout: 0 }], [{ spk: OURS2, value: 6_000n }]);
    const l = buildLedger([known(incoming, UNCONF), known(spend, UNCONF)], owner, 1);
    expect(l.utxos).toHaveLength(1);
    expect(l.utxos[0]?.trusted).toBe(false);
    expect(l.balance.spendableSat).toBe(0n);
  });

  it('resolves conflicts: confirmed beats mempool beats local, and descendants go with the loser', () => {
    const fund = tx([], [{ spk: OURS, value: 100_000n }]);
    const a = tx([{ txid: fund.getId(), vout: 0 }], [{ spk: OURS2, value: 99_000n }]);
    const b = tx([{ txid: fund.getId(), vout: 0 }], [{ spk: THEIRS, value: 99_500n }]);
    const child = tx([{ txid: a.getId(), vout: 0 }], [{ spk: OURS, value: 98_000n }]);
    const l1 = buildLedger([known(fund, conf(1)), known(a, UNCONF, true), known(child, UNCONF, true), known(b, conf(2))], owner, 2);
    expect(l1.dropped).toEqual([a.getId(), child.getId()].sort());
    expect(l1.balance.confirmedSat + l1.balance.unconfirmedSat).toBe(0n);
    const l2 = buildLedger([known(fund, conf(1)), known(a, UNCONF), known(b, UNCONF, true)], owner, 2);
    expect(l2.dropped).toEqual([b.getId()]);
    expect(l2.balance.spendableSat).toBe(99_000n);
  });

  it('rejects bytes that do not hash to the claimed txid', () => {
    const t = tx([], [{ spk: OURS, value: 1n }]);
    expect(() => buildLedger([{ txid: '00'.repeat(32), raw: t.toBuffer(), status: UNCONF }], owner)).toThrow(DecodeError);
  });
});

describe('wallet state codec', () => {
  const t1 = tx([], [{ spk: OURS, value: 5_000n }]);
  const t2 = tx([{ txid: t1.getId(), vout: 0 }], [{ spk: THEIRS, value: 4_000n }]);
  const sample: WalletState = {
    ...emptyWalletState('signet'),
    receiveLastUsed: 4,
    receiveNext: 7,
    changeLastUsed: -1,
    changeNext: 1,
    tipHeight: 1234,
    tipHash: 'ab'.repeat(32),
    txs: [
      { txid: t1.getId(), raw: t1.toBuffer(), status: { confirmed: true, blockHeight: 1200, blockHash: 'cd'.repeat(32), blockTime: 1_700_000_123 } },
      { txid: t2.getId(), raw: t2.toBuffer(), status: { confirmed: false }, local: true, broadcastHeight: 1234 },
    ],
    reservations: [{ txid: t2.getId(), outpoints: [{ txid: t1.getId(), vout: 0 }] }],
  };

  it('round-trips, starting with the version byte', () => {
    const bytes = encodeWalletState(sample);
    expect(bytes[0]).toBe(1);
    expect(decodeWalletState(bytes)).toEqual(sample);
    expect(decodeWalletState(encodeWalletState(emptyWalletState('bitcoin')))).toEqual(emptyWalletState('bitcoin'));
    expect(checkWalletState(sample)).toBe(sample);
  });

  it('rejects unknown versions, truncation and trailing bytes with DecodeError', () => {
    const bytes = encodeWalletState(sample);
    expect(() => decodeWalletState(Uint8Array.from([2, ...bytes.subarray(1)]))).toThrow(/wallet.version/);
    for (let n = 0; n < bytes.length; n += 7) expect(() => decodeWalletState(bytes.subarray(0, n))).toThrow(DecodeError);
    expect(() => decodeWalletState(Uint8Array.from([...bytes, 0]))).toThrow(/trailing/);
  });

  it('never throws anything but DecodeError on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        try {
          decodeWalletState(Uint8Array.from([1, ...junk]));
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('checkWalletState names the bad field', () => {
    const bad = (s: unknown, field: string): void => {
      try {
        checkWalletState(s as WalletState);
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        expect((e as ValidationError).field).toBe(field);
        return;
      }
      throw new Error('accepted');
    };
    bad({ ...sample, version: 9 }, 'state.version');
    bad({ ...sample, network: 'litecoin' }, 'state.network');
    bad({ ...sample, receiveNext: -1 }, 'state.receiveNext');
    bad({ ...sample, tipHash: 'xyz' }, 'state.tipHash');
    bad({ ...sample, txs: [{ ...sample.txs[0], txid: '00'.repeat(32) }] }, 'state.txs[0].txid');
  });
});
