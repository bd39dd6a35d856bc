/**
 * BOLT 5 "Revoked Transaction Close Handling" against real LDK code on the bcoin regtest chain:
 * LDK opens to Glint; payments both ways move the channel on; LDK's ChannelMonitor is kept
 * (playground/ldk/stale-monitor.ts `monitorSnapshot`) while Glint's payment to LDK is held, so
 * the kept commitment has an HTLC output; later the stale monitor is loaded into a separate
 * ChainMonitor and publishes "its latest" holder commitment (`replayStaleMonitor`), exactly what
 * an LDK restored from an old backup would do (setup: test/harness/breach.ts). bcoin mines it; Glint:
 *
 *   - recognises a revoked commitment (its number, BOLT 3, below the one LDK revoked last), the
 *     HTLC outputs known from the `channel-revoked/<id>/<n>` record stored when LDK revoked it;
 *   - broadcasts justice transaction(s) taking LDK's to_local and the HTLC output by the
 *     revocation key, and its own to_remote; bcoin accepts and mines them before LDK's
 *     to_self_delay ends;
 *   - ends with the whole channel in its wallet: capacity minus the commitment's fee minus the
 *     fees of Glint's own claims, to the sat.
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { ANCHOR_SAT, prepareBreach, publishRevoked, sumOut } from '../harness/breach.ts';
import { mine, startWorld, stopWorld, until, type World } from '../harness/glint-ldk.ts';
import { txRolesOf } from '../../workers/tx-roles.ts';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

describe('BOLT 5 breach: LDK publishes a revoked commitment with an HTLC output, Glint punishes it', () => {
  for (const anchors of [false, true]) {
  const channelType = anchors ? 'anchors_zero_fee_htlc_tx' : 'static_remotekey';
  test(`${channelType}: Glint’s justice takes to_local and the HTLC output before the delay, its to_remote is swept, and its wallet ends with the channel minus fees`, async () => {
    const b = await prepareBreach(w, channelType, `ldk-breacher-${channelType}`);
    const { cheater, g, ch, capacitySat, before } = b;
    const { commitmentTxid, commitment, htlcVout, commitmentFee, anchorVouts, toClaim } = await publishRevoked(w, b);
    await mine(w, g, 1);
    const minedAt = w.chain.height;
    expect(w.chain.index.tx(commitmentTxid)?.block?.height).toBe(minedAt);

    // Every output of the revoked commitment but the anchors (BOLT 3: 330 sat each, left alone) gets
    // spent by Glint, well before LDK's to_self_delay.
    const spenders = new Map<number, string>();
    const findSpenders = async () => {
      for (const vout of toClaim) {
        if (spenders.has(vout)) continue;
        const s = await g.client.outSpend(commitmentTxid, vout);
        if (s.spent) spenders.set(vout, s.txid);
      }
    };
    for (let i = 0; i < 12 && spenders.size < toClaim.length; i++) {
      await g.channels.idle();
      await until(() => w.chain.mempoolTxids().length > 0 || spenders.size === toClaim.length, 'Glint’s claims in the mempool', 5_000, cheater.node).catch(() => undefined);
      await mine(w, g, 1);
      await g.channels.idle();
      await findSpenders();
    }
    expect([...spenders.keys()].sort()).toEqual(toClaim);
    const claims = [...new Set(spenders.values())];
    let claimFees = 0n;
    for (const txid of claims) {
      const entry = w.chain.index.tx(txid);
      expect(entry?.block?.height).toBeLessThan(minedAt + 144); // before LDK's to_self_delay
      const tx = Transaction.fromBuffer(Buffer.from(entry!.raw));
      let inSat = 0n;
      for (const i of tx.ins) {
        const prevTxid = Buffer.from(i.hash).reverse().toString('hex');
        expect(prevTxid).toBe(commitmentTxid); // claims spend the commitment only
        inSat += commitment.outs[i.index]!.value;
      }
      claimFees += inSat - sumOut(tx);
      for (const o of tx.outs) expect(Buffer.from(o.script).toString('hex')).toBe(Buffer.from(g.sweepTo!).toString('hex'));
    }
    const htlcClaim = Transaction.fromBuffer(Buffer.from(w.chain.index.tx(spenders.get(htlcVout)!)!.raw));
    const htlcInput = htlcClaim.ins.find((i) => i.index === htlcVout)!;
    // BOLT 3 received-HTLC revocation path: <revocation_sig> <revocationpubkey> <witnessScript>.
    expect(htlcInput.witness).toHaveLength(3);
    expect(htlcInput.witness[1]!.length).toBe(33);

    await g.watch.sync();
    // The wallet's view (WalletTxDto role, workers/tx-roles.ts): the claim of the revoked HTLC output is a penalty, none a payment.
    await g.channels.idle();
    const roles = txRolesOf(g.watch.history(), g.channels.list());
    expect(roles?.get(spenders.get(htlcVout)!)).toMatchObject({ role: 'penalty', channelId: ch.channelId });
    for (const txid of claims) expect(['penalty', 'sweep']).toContain(roles?.get(txid)?.role);
    const after = g.watch.balance().confirmedSat;
    expect(after - before).toBe(capacitySat - commitmentFee - claimFees - ANCHOR_SAT * BigInt(anchorVouts.length));
    await g.channels.idle();
    const state = decodeChannelState((await g.store.get(`channel/${ch.channelId}`))!);
    expect(['force-closing', 'closed']).toContain(state.type);
  }, 180_000);
  }
});
