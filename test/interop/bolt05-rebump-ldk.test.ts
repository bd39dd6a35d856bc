/**
 * BOLT 5 fees against real LDK code on the bcoin regtest chain: LDK publishes a revoked
 * commitment (test/harness/breach.ts), Glint's justice transaction goes out at the fee the
 * estimates give for its deadline (LDK's to_self_delay: a day of blocks, so the economy rate),
 * but the miners want more than the estimates said: blocks are mined as a fee market
 * (RegtestChain `mine({minFeeRate})`: only packages paying that much get in), so the justice tx
 * waits in the mempool. As the delay runs down Glint re-bumps it: a BIP 125 replacement, which
 * bcoin refuses (no RBF), then a CPFP child spending the justice tx's own output (it pays the
 * wallet), so the package pays enough; it confirms before the delay runs out, and Glint's wallet
 * ends with the whole channel minus the fees of every transaction it paid, to the sat.
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANCHOR_SAT, prepareBreach, publishRevoked, sumOut } from '../harness/breach.ts';
import { mine, startWorld, stopWorld, type World } from '../harness/glint-ldk.ts';
import { txRolesOf } from '../../workers/tx-roles.ts';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

/** What the estimates say (sat/vB by target): anything from 6 blocks on costs the floor (253 sat/kw), faster costs more. */
const ESTIMATES = { 1: 12, 2: 6, 6: 1, 144: 1, 1008: 1 };
/** What the miners take (sat/vB): more than the estimate for a long target. */
const MARKET = 1.8;
/** Glint's to_self_delay on LDK's commitments (DEFAULT_CHANNEL_CONFIG). */
const TO_SELF_DELAY = 144;

const txOf = (raw: Uint8Array): Transaction => Transaction.fromBuffer(Buffer.from(raw));
const feerateSatVb = (feeSat: bigint, tx: Transaction): number => Number(feeSat) / tx.virtualSize();

describe('BOLT 5 fees: a justice tx held out of blocks is re-bumped before the delay runs out', () => {
  for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as const) {
    test(`${channelType}: the replacement is refused by bcoin, a CPFP child of the justice tx gets it mined before LDK's to_self_delay; the wallet ends with the channel minus fees`, async () => {
      const b = await prepareBreach(w, channelType, `ldk-rebump-${channelType}`);
      const { g, capacitySat, before } = b;
      const p = await publishRevoked(w, b);
      w.chain.setFeeEstimates(ESTIMATES);
      await mine(w, g, 1); // the commitment pays LDK's fee, the market is not on yet
      const minedAt = w.chain.height;
      expect(w.chain.index.tx(p.commitmentTxid)?.block?.height).toBe(minedAt);
      await g.channels.idle();

      // Glint's claims of the commitment's outputs, confirmed: vout → claim txid.
      const claimed = new Map<number, string>();
      const findClaims = async (): Promise<void> => {
        for (const vout of p.toClaim) {
          if (claimed.has(vout)) continue;
          const s = await g.client.outSpend(p.commitmentTxid, vout);
          if (s.spent && s.status.confirmed) claimed.set(vout, s.txid);
        }
      };
      // The justice tx(s) are out at once (a revocation witness: 3 items), at least one below what the miners take.
      const justiceVouts: number[] = [];
      const firstRates: number[] = [];
      const spentInMempool = async (): Promise<number> => (await Promise.all(p.toClaim.map((v) => g.client.outSpend(p.commitmentTxid, v)))).filter((s) => s.spent).length;
      for (let i = 0; i < 100 && (await spentInMempool()) < p.toClaim.length; i++) await new Promise((r) => setTimeout(r, 100)); // broadcasts are not awaited by idle()
      for (const vout of p.toClaim) {
        const s = await g.client.outSpend(p.commitmentTxid, vout);
        if (!s.spent) continue;
        const tx = txOf(await g.client.transaction(s.txid));
        if (tx.ins.some((i) => i.witness.length !== 3)) continue; // the to_remote sweep
        justiceVouts.push(vout);
        firstRates.push(feerateSatVb(tx.ins.reduce((sum, i) => sum + p.commitment.outs[i.index]!.value, 0n) - sumOut(tx), tx));
      }
      expect(justiceVouts).toContain(p.htlcVout);
      expect(justiceVouts.length).toBe(p.toClaim.length - 1); // all but our to_remote
      expect(Math.min(...firstRates)).toBeLessThan(MARKET);

      // Fee-market blocks until the justice txs are in (the to_remote sweep has no deadline: it waits).
      for (let i = 0; i < TO_SELF_DELAY && justiceVouts.some((v) => !claimed.has(v)); i++) {
        await mine(w, g, 1, { minFeeRate: MARKET });
        await g.channels.idle();
        await findClaims();
      }
      for (const v of justiceVouts) expect(claimed.has(v), `output ${v} claimed`).toBe(true);

      // It confirmed before the delay ran out, with a CPFP child in the same block (the version bcoin kept).
      let cpfpChildren = 0;
      const children: string[] = [];
      for (const v of justiceVouts) {
        const entry = w.chain.index.tx(claimed.get(v)!)!;
        expect(entry.block!.height).toBeLessThan(minedAt + TO_SELF_DELAY);
        const child = await g.client.outSpend(claimed.get(v)!, 0);
        if (child.spent && child.status.confirmed && child.status.blockHeight === entry.block!.height) {
          cpfpChildren++;
          children.push(child.txid);
        }
      }
      expect(cpfpChildren).toBeGreaterThan(0);
      // The wallet's view (WalletTxDto role, workers/tx-roles.ts): each CPFP child is a fee bump, each justice claim a penalty.
      await g.watch.sync();
      await g.channels.idle();
      const roles = txRolesOf(g.watch.history(), g.channels.list());
      for (const t of children) expect(roles?.get(t)?.role, `CPFP child ${t}`).toBe('fee-bump');
      for (const v of justiceVouts) expect(roles?.get(claimed.get(v)!)?.role, `claim of output ${v}`).toBe('penalty');

      // Normal blocks again: the to_remote sweep confirms; the wallet has everything.
      for (let i = 0; i < 12 && claimed.size < p.toClaim.length; i++) {
        await mine(w, g, 1);
        await g.channels.idle();
        await findClaims();
      }
      expect([...claimed.keys()].sort()).toEqual([...p.toClaim].sort());
      await mine(w, g, 1);
      await g.channels.idle();

      // Fees Glint paid: each claim's, and each CPFP child's (chained on output 0).
      let fees = 0n;
      for (const txid of new Set(claimed.values())) {
        const tx = txOf(w.chain.index.tx(txid)!.raw);
        fees += tx.ins.reduce((s, i) => s + p.commitment.outs[i.index]!.value, 0n) - sumOut(tx);
        for (let parent = tx, id = txid; ; ) {
          const s = await g.client.outSpend(id, 0);
          if (!s.spent || !s.status.confirmed) break;
          const child = txOf(w.chain.index.tx(s.txid)!.raw);
          if (child.ins.length !== 1) break;
          fees += parent.outs[0]!.value - sumOut(child);
          parent = child;
          id = s.txid;
        }
      }
      await g.watch.sync();
      const after = g.watch.balance().confirmedSat;
      expect(after - before).toBe(capacitySat - p.commitmentFee - fees - ANCHOR_SAT * BigInt(p.anchorVouts.length));
    }, 300_000);
  }
});
