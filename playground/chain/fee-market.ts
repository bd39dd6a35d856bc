/**
 * The fee market of `RegtestChain.mine({ minFeeRate })`: which mempool txs a miner choosing by
 * ancestor feerate takes (so a child can pay for its parent: CPFP).
 */
import type { TX } from 'bcoin';
import { reverseHex } from './indexes.ts';
import type { MempoolView } from './indexes.ts';

/**
 * The mempool txs a fee-market miner takes at `minFeeRate` sat/vB: repeatedly the unselected
 * tx whose ancestor package (itself and its unselected mempool ancestors) has the best feerate,
 * while that is at least `minFeeRate`; in dependency (arrival) order.
 */
export function packagesPaying(view: MempoolView, minFeeRate: number): TX[] {
  const parentsOf = new Map(view.txs.map((t) => [t.txid, t.tx.inputs.map((i) => reverseHex(i.prevout.hash)).filter((p) => view.tx(p) !== undefined)]));
  const selected = new Set<string>();
  const ancestry = (txid: string, into: Set<string>): Set<string> => {
    if (selected.has(txid) || into.has(txid)) return into;
    into.add(txid);
    for (const p of parentsOf.get(txid) ?? []) ancestry(p, into);
    return into;
  };
  for (;;) {
    let best: { set: Set<string>; rate: number } | undefined;
    for (const t of view.txs) {
      if (selected.has(t.txid)) continue;
      const set = ancestry(t.txid, new Set());
      let fee = 0;
      let vsize = 0;
      for (const id of set) {
        const r = view.tx(id)!;
        fee += r.fee;
        vsize += r.vsize;
      }
      const rate = fee / vsize;
      if (rate >= minFeeRate && (!best || rate > best.rate)) best = { set, rate };
    }
    if (!best) break;
    for (const id of best.set) selected.add(id);
  }
  return view.txs.filter((t) => selected.has(t.txid)).map((t) => t.tx);
}
