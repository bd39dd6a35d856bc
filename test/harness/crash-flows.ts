/**
 * The flows of the crash-consistency suite (issue 7 item 1, test/interop/crash-*.test.ts), each
 * against a real LDK peer on the bcoin regtest chain, with Glint as a killable GlintNode process
 * (crash-env.ts). A flow is:
 *
 *   - `prepare(n)`: n fresh, independent starting points (a disk with coins, or with a channel
 *     already `normal` on both sides), made in one batch: one block mined for all of them;
 *   - `run(p, c)`: the flow on a live process, to its end (it may never end: the process dies);
 *   - `finish(p, c)`: on a process restarted from the same disk after a crash, drive the flow to
 *     its end from whatever both sides durably know (re-doing only what never happened);
 *   - `verify(p, c)`: no force close on either side, both sides' balances equal to the msat, every
 *     payment final and the same on both sides (paid once, or failed with nothing in flight), a
 *     close completed cooperatively.
 *
 * `armAtBoot`: the crash points are counted from the process start (opening flows) or from the
 * moment the prepared channel is usable again after the boot (the others).
 */
import type { ChannelDetails, Event } from 'lightningdevkit';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { MemoryKVStore, bytesToHex, type ChannelInfo, type GlintNode, type PaymentRecord } from '../../engine/index.ts';
import { txidOfRaw } from '../../engine/node/channel-inspect.ts';
import { RegtestWallet } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import { bootGlint, newDisk, type GlintProcess } from './crash-env.ts';
import { channelsWith, ldkChannel, ldkFeerate, ldkUsable, type LdkPeer, type World } from './glint-ldk.ts';

export interface Ctx {
  readonly disk: MemoryKVStore;
  /**
   * The running process that prepared the channel (flows starting from a channel): the point's
   * run uses it (armed there) instead of booting again; undefined once taken.
   */
  live?: GlintProcess;
  /** The LDK peer of this flow. */
  readonly peer: LdkPeer;
  /** The channel (prepared, or made by the flow: set once known). */
  channelId?: string;
  /** Payment hash (hex) of the flow's payment. */
  paymentHash?: string;
  invoice?: string;
  /** update_fee flows: the feerate the flow moves the channel to. */
  targetFeerate?: number;
  /** The closing txid, once known. */
  closingTxid?: string;
}

export interface Flow {
  readonly name: string;
  readonly armAtBoot: boolean;
  /** Its points may run at the same time (false: the flow moves something all of the peer's channels share). */
  readonly parallel: boolean;
  prepare(n: number): Promise<Ctx[]>;
  run(p: GlintProcess, c: Ctx): Promise<void>;
  finish(p: GlintProcess, c: Ctx): Promise<void>;
  verify(p: GlintProcess, c: Ctx): Promise<void>;
}

export const FUNDING_SAT = 100_000n;
export const PAYMENT_MSAT = 1_000_000n;
const WAIT_MS = 30_000;

/** LDK's ChannelClosed reasons seen, by channel id (hex): the class name, e.g. `ClosureReason_HolderForceClosed`. */
export type Closures = Map<string, string>;

/** The reasons that mean a commitment went (or goes) to the chain. */
const FORCE_REASONS = ['CounterpartyForceClosed', 'HolderForceClosed', 'CommitmentTxConfirmed', 'ProcessingError', 'HTLCsTimedOut', 'PeerFeerateTooLow', 'OutdatedChannelManager'];

/** Record every ChannelClosed of `node` into a map. */
export function watchClosures(node: LdkNode): Closures {
  const closures: Closures = new Map();
  const ldk = node.ldk;
  node.onEvent((e: Event) => {
    if (e instanceof ldk.Event_ChannelClosed) closures.set(bytesToHex(e.channel_id.get_a()), e.reason.constructor.name);
  });
  return closures;
}

/** Poll `check` (10 ms) until true; fail after `ms`, or at once when `p`'s process was killed. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, p?: GlintProcess, ms = WAIT_MS, node?: LdkNode): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (p?.process.killed) throw new Error(`the process died while waiting for ${what}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${node ? `\nLDK log tail:\n${node.logs.slice(-12).join('\n')}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const uriOf = (peer: LdkPeer) => `${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`;

/** Glint's channels with `peer` that are not aborted or closed. */
function liveWith(node: GlintNode, peer: LdkPeer): ChannelInfo[] {
  return node.channels().filter((c) => c.peer === peer.node.nodeIdHex && c.state !== 'aborted' && c.state !== 'closed');
}

/**
 * Connected to the flow's LDK peer: a node with a channel to it redials it at start (from its
 * address book); one without (an opening flow before the channel was saved) is dialled here.
 */
async function connected(p: GlintProcess, peer: LdkPeer): Promise<void> {
  const id = peer.node.nodeIdHex;
  const isUp = () => p.node.peers().some((x) => x.nodeId === id) && peer.node.hasPeer(p.node.nodeId);
  if (isUp()) return;
  const redials = p.node.channels().some((c) => c.peer === id && c.state !== 'aborted' && c.state !== 'closed');
  if (redials) {
    try {
      await waitFor(isUp, 'the peer reconnected', p, 3_000);
      return;
    } catch {
      // Not redialled: dial below.
    }
  }
  if (!p.node.peers().some((x) => x.nodeId === id)) await p.node.connect(uriOf(peer));
  await waitFor(isUp, 'connected to the LDK peer', p, WAIT_MS, peer.node);
}

/** The channel usable on both sides. */
export async function usable(p: GlintProcess, c: Ctx): Promise<void> {
  const id = c.channelId!;
  await waitFor(() => p.node.channel(id)?.usable === true && ldkUsable(c.peer.node, id), `channel ${id.slice(0, 8)} usable on both sides`, p, WAIT_MS, c.peer.node);
}

/** Mine one block and let the node see it. */
async function mine(w: World, p: GlintProcess): Promise<void> {
  await w.chain.mine(1);
  await p.node.poll();
}

/** Wait for `txid` in the mempool (or already mined), then mine it and poll. */
async function confirm(w: World, p: GlintProcess, txid: string, what: string): Promise<void> {
  const inMempool = () => w.chain.mempoolTxids().includes(txid);
  await waitFor(() => inMempool() || confirmedOnChain(w, txid), `${what} ${txid.slice(0, 8)} broadcast`, p);
  // Another point's block may have mined it already: the node (polled by the test) must still see that block.
  if (inMempool()) await mine(w, p);
  else await p.node.poll();
}

const confirmedTxids = new WeakMap<World, Set<string>>();
/** Txids mined so far (filled from the chain's block events, see `trackBlocks`). */
function confirmedOnChain(w: World, txid: string): boolean {
  return confirmedTxids.get(w)?.has(txid) ?? false;
}

/** In the mempool or mined. */
function seen(w: World, txid: string): boolean {
  return w.chain.mempoolTxids().includes(txid) || confirmedOnChain(w, txid);
}

/** Remember every mined txid of `w` (confirm() accepts a tx someone else's block already mined). */
export function trackBlocks(w: World): void {
  const set = new Set<string>();
  confirmedTxids.set(w, set);
  w.chain.onBlock((e) => {
    if (e.type === 'connect') for (const t of e.block.txs) set.add(t.txid);
  });
}

/** Drive a Glint channel to `normal` and usable on both sides once its funding is broadcast. */
async function toNormal(w: World, p: GlintProcess, c: Ctx, localId: number): Promise<void> {
  await waitFor(() => p.node.channels().find((x) => x.localId === localId)?.fundingTxid !== undefined, 'the funding txid', p);
  const ch = p.node.channels().find((x) => x.localId === localId)!;
  c.channelId = ch.channelId;
  if (ch.state !== 'normal') await confirm(w, p, ch.fundingTxid!, 'funding tx');
  await waitFor(() => p.node.channel(c.channelId!)?.state === 'normal', 'normal on Glint', p, WAIT_MS, c.peer.node);
  await usable(p, c);
}

/** `n` disks with `fundSat` coins each, confirmed by one block. */
async function disks(w: World, n: number, fundSat: number): Promise<MemoryKVStore[]> {
  const out: MemoryKVStore[] = [];
  for (let i = 0; i < n; i++) out.push(await newDisk(w, fundSat));
  await w.chain.mine(1);
  return out;
}

/** `n` fresh wallets, each in a running process (not connected), with `fundSat` faucet coins each (one block for all). */
async function liveWallets(w: World, n: number, fundSat: number): Promise<GlintProcess[]> {
  const out: GlintProcess[] = [];
  for (let i = 0; i < n; i++) {
    const p = await bootGlint(w, new MemoryKVStore(), { create: true });
    if (fundSat > 0) await w.chain.faucet(await p.node.receiveAddress(), fundSat, { mine: false });
    out.push(p);
  }
  await w.chain.mine(1);
  for (const p of out) await p.node.poll();
  return out;
}

/** One block for the prepared channels' funding txs, then each `normal` and usable on both sides. */
async function confirmPrepared(w: World, made: Ctx[]): Promise<Ctx[]> {
  await w.chain.mine(1);
  for (const c of made) {
    await c.live!.node.poll();
    await waitFor(() => c.live!.node.channel(c.channelId!)?.state === 'normal', 'the prepared channel normal on Glint', c.live, WAIT_MS, c.peer.node);
    await usable(c.live!, c);
  }
  return made;
}

/** `n` Glint-funded channels to `peer`, `normal` and usable on both sides, their nodes running (one block for the coins, one for the channels). */
export async function glintChannels(w: World, peer: LdkPeer, n: number, pushMsat = 0n): Promise<Ctx[]> {
  const made: Ctx[] = [];
  for (const p of await liveWallets(w, n, 300_000)) {
    const opened = await p.node.open(uriOf(peer), FUNDING_SAT, { pushMsat, channelType: 'static_remotekey' });
    made.push({ disk: p.disk, live: p, peer, channelId: opened.channelId });
  }
  return confirmPrepared(w, made);
}

/** `n` channels `peer` funds to fresh Glint nodes (`pushMsat` to Glint), confirmed by one block; the nodes running. */
export async function ldkChannels(w: World, peer: LdkPeer, n: number, seed: string, pushMsat = 0n): Promise<Ctx[]> {
  const made: Ctx[] = [];
  for (let i = 0; i < n; i++) {
    const p = await bootGlint(w, new MemoryKVStore(), { create: true });
    await p.node.connect(uriOf(peer));
    await peer.node.waitForPeer(p.node.nodeId);
    const channelId = await ldkOpen(w, peer, p.node.nodeId, `${seed} ${made.length}`, pushMsat);
    await waitFor(() => p.node.channel(channelId)?.state === 'wait-for-funding-confirmed', 'the inbound channel saved', p);
    made.push({ disk: p.disk, live: p, peer, channelId });
  }
  return confirmPrepared(w, made);
}

let ldkOpens = 0;
/** LDK opens a FUNDING_SAT channel to `glintNodeId` from fresh regtest coins; resolves at ChannelPending (funding broadcast). */
async function ldkOpen(w: World, peer: LdkPeer, glintNodeId: string, seed: string, pushMsat = 0n): Promise<string> {
  const funder = RegtestWallet.fromSeed(`${seed} #${ldkOpens++}`);
  const coinValue = Number(FUNDING_SAT) + 50_000;
  const coin = await w.chain.faucet(funder.script, coinValue, { mine: false });
  const opened = await peer.node.openChannelTo(
    Buffer.from(glintNodeId, 'hex'),
    FUNDING_SAT,
    (script, valueSat) => funder.pay({ inputs: [{ txid: coin.txid, vout: coin.vout, value: coinValue }], outputs: [{ script, value: Number(valueSat) }] }).raw,
    { pushMsat },
  );
  return opened.channelId;
}

/** LDK's funding txid (display order) of a channel it lists. */
function ldkFundingTxid(d: ChannelDetails): string | undefined {
  const txo = d.get_funding_txo();
  return txo ? Buffer.from(txo.get_txid()).reverse().toString('hex') : undefined;
}

// ---- verification -----------------------------------------------------------------------------------

/** Neither side force-closed any channel between this disk's node and the peer. */
export function noForceClose(p: GlintProcess, c: Ctx, closures: Closures): void {
  for (const ch of p.node.channels()) {
    if (ch.state === 'force-closing' || ch.state === 'wait-for-remote-publish') throw new Error(`Glint channel ${ch.channelId} is ${ch.state}: ${ch.reason ?? ''}`);
    const reason = closures.get(ch.channelId);
    if (reason && FORCE_REASONS.some((r) => reason.endsWith(r))) throw new Error(`LDK closed channel ${ch.channelId}: ${reason}`);
  }
  if (c.channelId) {
    const reason = closures.get(c.channelId);
    if (reason && FORCE_REASONS.some((r) => reason.endsWith(r))) throw new Error(`LDK closed channel ${c.channelId}: ${reason}`);
  }
}

/** Both sides' balances of the channel, msat; they must be equal and be `expectedLocal` for Glint. */
export function balancesAgree(p: GlintProcess, c: Ctx, expectedLocalMsat: bigint): void {
  const ours = p.node.channel(c.channelId!);
  const theirs = c.peer.node.channelBalances().find((b) => b.channelId === c.channelId);
  if (!ours || !theirs) throw new Error(`channel ${c.channelId} missing on ${ours ? 'LDK' : 'Glint'}`);
  const ldkLocal = theirs.balanceMsat;
  const ldkRemote = theirs.valueSat * 1000n - theirs.balanceMsat;
  if (ours.localMsat !== ldkRemote || ours.remoteMsat !== ldkLocal) {
    throw new Error(`balances differ: Glint local ${ours.localMsat} remote ${ours.remoteMsat}; LDK local ${ldkLocal} remote ${ldkRemote}`);
  }
  if (ours.localMsat !== expectedLocalMsat) throw new Error(`Glint's balance is ${ours.localMsat} msat, expected ${expectedLocalMsat}`);
  // An incoming record stays pending while its invoice is unpaid; an outgoing one is in flight.
  if (theirs.pendingHtlcs !== 0 || p.node.payments().some((x) => x.status === 'pending' && x.direction === 'outgoing')) throw new Error('an HTLC or a payment is still in flight');
}

/** Glint's saved commitment feerates (local, remote) of the channel, and whether an update is still in flight. */
async function savedFeerate(p: GlintProcess, channelId: string): Promise<{ local: number; remote: number; pending: boolean } | undefined> {
  const bytes = await p.wallet.channelStore().get(`channel/${channelId}`);
  if (!bytes) return undefined;
  const s = decodeChannelState(bytes);
  if (s.type !== 'normal') return undefined;
  const k = s.commitments;
  return { local: k.localCommit.spec.feeratePerKw, remote: k.remoteCommit.spec.feeratePerKw, pending: k.remoteNextCommit !== undefined };
}

/** Glint's saved channel has no HTLC on either commitment and no commitment of ours awaiting the peer's revocation. */
async function htlcsSettled(p: GlintProcess, channelId: string): Promise<boolean> {
  const bytes = await p.wallet.channelStore().get(`channel/${channelId}`);
  if (!bytes) return false;
  const s = decodeChannelState(bytes);
  if (s.type !== 'normal') return false;
  const k = s.commitments;
  return k.remoteNextCommit === undefined && k.localCommit.spec.htlcs.length === 0 && k.remoteCommit.spec.htlcs.length === 0;
}

/** No HTLC pending on LDK's side of the channel (other points' channels with the same LDK node may have some). */
function ldkIdle(c: Ctx): boolean {
  const d = ldkChannel(c.peer.node, c.channelId!);
  return d === undefined || (d.get_pending_inbound_htlcs().length === 0 && d.get_pending_outbound_htlcs().length === 0);
}

/** Both sides done with the payment's commitment dances. */
async function danceOver(p: GlintProcess, c: Ctx): Promise<void> {
  await waitFor(() => ldkIdle(c), 'no HTLC on LDK', p, WAIT_MS, c.peer.node);
  await waitFor(() => htlcsSettled(p, c.channelId!), 'no HTLC on Glint', p, WAIT_MS, c.peer.node);
}

async function feeSettled(p: GlintProcess, c: Ctx): Promise<boolean> {
  const rate = c.targetFeerate!;
  if (ldkFeerate(c.peer.node.ldk, c.peer.node, c.channelId!) !== rate) return false;
  const f = await savedFeerate(p, c.channelId!);
  return f !== undefined && f.local === rate && f.remote === rate && !f.pending;
}

// ---- the flows ----------------------------------------------------------------------------------------

/** Open a channel, Glint the funder. */
export function openGlintFunder(w: World, peer: LdkPeer, closures: Closures): Flow {
  return {
    name: 'open (Glint funds)',
    armAtBoot: true,
    parallel: true,
    prepare: async (n) => (await disks(w, n, 300_000)).map((disk) => ({ disk, peer })),
    run: async (p, c) => {
      const opened = await p.node.open(uriOf(peer), FUNDING_SAT, { channelType: 'static_remotekey' });
      c.channelId = opened.channelId;
      const localId = p.node.channel(opened.channelId)!.localId;
      await toNormal(w, p, c, localId);
    },
    finish: async (p, c) => {
      await connected(p, peer);
      // What survived: a channel with the funding signed (re-published at start), or nothing usable.
      await new Promise((r) => setTimeout(r, 200));
      let live = liveWith(p.node, peer).find((x) => x.fundingTxid !== undefined && x.state !== 'wait-for-funding-signed' && x.state !== 'wait-for-accept-channel');
      if (!live) {
        await p.node.open(uriOf(peer), FUNDING_SAT, { channelType: 'static_remotekey' });
        live = liveWith(p.node, peer).find((x) => x.fundingTxid !== undefined);
      }
      await toNormal(w, p, c, live!.localId);
    },
    verify: async (p, c) => {
      noForceClose(p, c, closures);
      const ours = liveWith(p.node, peer);
      if (ours.length !== 1) throw new Error(`Glint has ${ours.length} live channels with the peer: ${ours.map((x) => x.state).join(', ')}`);
      // LDK may also hold a channel whose funding_signed Glint never saved (the crash came first):
      // BOLT 2 lets the funder forget it and LDK times it out; its funding tx must never appear.
      const theirs = channelsWith(peer.node, p.node.nodeId);
      const funded = theirs.filter((d) => ldkFundingTxid(d) !== undefined && seen(w, ldkFundingTxid(d)!));
      if (funded.length !== 1) throw new Error(`LDK has ${funded.length} funded channels with Glint`);
      balancesAgree(p, c, FUNDING_SAT * 1000n);
    },
  };
}

/** Open a channel, LDK the funder. */
export function openLdkFunder(w: World, peer: LdkPeer, closures: Closures): Flow {
  return {
    name: 'open (LDK funds)',
    armAtBoot: true,
    parallel: true,
    prepare: async (n) => {
      const out: Ctx[] = [];
      for (let i = 0; i < n; i++) {
        // The node knows the peer's address (its book), as after any earlier connection.
        const p = await bootGlint(w, new MemoryKVStore(), { create: true });
        await p.node.connect(uriOf(peer));
        await p.stop();
        out.push({ disk: p.disk, peer });
      }
      return out;
    },
    run: async (p, c) => {
      await connected(p, peer);
      c.channelId = await ldkOpen(w, peer, p.node.nodeId, 'crash ldk funder');
      await ldkToNormal(w, p, c);
    },
    finish: async (p, c) => {
      await connected(p, peer);
      await new Promise((r) => setTimeout(r, 200));
      const fundedOne = () => channelsWith(peer.node, p.node.nodeId).find((d) => ldkFundingTxid(d) !== undefined && seen(w, ldkFundingTxid(d)!));
      // LDK is alive: its open goes on — it sends open_channel again for a channel still pending at
      // the reconnection, and funds it once accepted. Wait for that before opening another.
      if (!fundedOne() && channelsWith(peer.node, p.node.nodeId).length > 0) await waitFor(() => fundedOne() !== undefined, "LDK's pending channel funded", p, WAIT_MS, peer.node).catch(() => {});
      const funded = fundedOne();
      c.channelId = funded ? bytesToHex(funded.get_channel_id().get_a()) : await ldkOpen(w, peer, p.node.nodeId, 'crash ldk funder again');
      await ldkToNormal(w, p, c);
    },
    verify: async (p, c) => {
      noForceClose(p, c, closures);
      // LDK may still list the channel it was opening when the process died before accepting it
      // (no funding tx was ever made for it; LDK times it out): only funded channels count.
      const theirs = channelsWith(peer.node, p.node.nodeId).filter((d) => ldkFundingTxid(d) !== undefined && seen(w, ldkFundingTxid(d)!));
      if (theirs.length !== 1) throw new Error(`LDK has ${theirs.length} funded channels with Glint`);
      const ours = liveWith(p.node, peer);
      if (ours.length !== 1) throw new Error(`Glint has ${ours.length} live channels with the peer: ${ours.map((x) => x.state).join(', ')}`);
      balancesAgree(p, c, 0n);
    },
  };
}

async function ldkToNormal(w: World, p: GlintProcess, c: Ctx): Promise<void> {
  const d = ldkChannel(c.peer.node, c.channelId!);
  const txid = d ? ldkFundingTxid(d) : undefined;
  if (!txid) throw new Error('LDK lists no funding tx for the channel');
  await waitFor(() => p.node.channel(c.channelId!) !== undefined, 'the channel on Glint', p, WAIT_MS, c.peer.node);
  if (p.node.channel(c.channelId!)!.state !== 'normal') await confirm(w, p, txid, 'LDK funding tx');
  await waitFor(() => p.node.channel(c.channelId!)?.state === 'normal', 'normal on Glint', p, WAIT_MS, c.peer.node);
  await usable(p, c);
}

/** A payment's final state on Glint, once it has one (undefined: Glint has no record of it). */
async function finalPayment(p: GlintProcess, hash: string): Promise<PaymentRecord | undefined> {
  await waitFor(() => p.node.payment(hash)?.status !== 'pending', `payment ${hash.slice(0, 8)} final on Glint`, p);
  return p.node.payment(hash);
}

/** Glint pays an LDK invoice. */
export function sendPayment(w: World, peer: LdkPeer, closures: Closures): Flow {
  const pay = async (p: GlintProcess, c: Ctx): Promise<void> => {
    const r = await p.node.pay(c.invoice!);
    if (r.status !== 'succeeded') throw new Error(`the payment ${r.status}: ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  };
  return {
    name: 'send a payment',
    armAtBoot: false,
    parallel: true,
    prepare: (n) => glintChannels(w, peer, n),
    run: async (p, c) => {
      c.invoice = peer.node.createInvoice({ amountMsat: PAYMENT_MSAT });
      c.paymentHash = peer.node.payments.paymentHashOf(c.invoice);
      await pay(p, c);
      await peer.node.waitForClaimed(c.paymentHash, WAIT_MS);
      await danceOver(p, c);
    },
    finish: async (p, c) => {
      await connected(p, peer);
      await usable(p, c);
      // Never made durable: the payment never left; pay it now.
      if (p.node.payment(c.paymentHash!) === undefined) await pay(p, c);
      await finalPayment(p, c.paymentHash!);
      await danceOver(p, c);
    },
    verify: async (p, c) => {
      noForceClose(p, c, closures);
      await waitFor(() => ldkIdle(c) && p.node.payments().every((x) => x.status !== 'pending'), 'nothing in flight', p);
      const ours = p.node.payment(c.paymentHash!);
      const claims = peer.node.payments.claimed.filter((x) => x.paymentHash === c.paymentHash).length;
      if (ours?.status === 'succeeded') {
        if (claims !== 1) throw new Error(`Glint paid, LDK claimed ${claims} times`);
        balancesAgree(p, c, FUNDING_SAT * 1000n - PAYMENT_MSAT);
      } else {
        if (claims !== 0) throw new Error(`Glint says ${ours?.status ?? 'nothing'}, but LDK claimed the payment`);
        balancesAgree(p, c, FUNDING_SAT * 1000n);
      }
    },
  };
}

/** LDK pays a Glint invoice. */
export function receivePayment(w: World, peer: LdkPeer, closures: Closures): Flow {
  const PUSH = 30_000_000n;
  const ldkPay = (c: Ctx): void => {
    peer.node.payInvoice(c.invoice!).catch(() => {});
  };
  return {
    name: 'receive a payment',
    armAtBoot: false,
    parallel: true,
    prepare: (n) => glintChannels(w, peer, n, PUSH),
    run: async (p, c) => {
      const inv = await p.node.createInvoice({ amountMsat: PAYMENT_MSAT, description: 'crash test' });
      c.invoice = inv.bolt11;
      c.paymentHash = inv.paymentHash;
      ldkPay(c);
      await waitFor(() => p.node.payment(inv.paymentHash)?.status === 'succeeded', 'Glint got paid', p, WAIT_MS, peer.node);
      await waitFor(() => peer.node.payments.sent.some((x) => x.paymentHash === inv.paymentHash), 'LDK saw it paid', p, WAIT_MS, peer.node);
      await danceOver(p, c);
    },
    finish: async (p, c) => {
      await connected(p, peer);
      await usable(p, c);
      const hash = c.paymentHash!;
      await waitFor(() => peer.node.payments.sent.some((x) => x.paymentHash === hash) || peer.node.payments.failed.some((x) => x.paymentHash === hash), 'LDK payment resolved', p, WAIT_MS, peer.node);
      await danceOver(p, c);
    },
    verify: async (p, c) => {
      noForceClose(p, c, closures);
      const hash = c.paymentHash!;
      await waitFor(() => ldkIdle(c), 'nothing in flight', p);
      const ours = p.node.payment(hash);
      const sent = peer.node.payments.sent.filter((x) => x.paymentHash === hash).length;
      if (ours?.status === 'succeeded') {
        if (sent !== 1) throw new Error(`Glint received, LDK's PaymentSent seen ${sent} times`);
        balancesAgree(p, c, FUNDING_SAT * 1000n - PUSH + PAYMENT_MSAT);
      } else {
        if (sent !== 0) throw new Error(`LDK says paid, Glint's payment is ${ours?.status ?? 'unknown'}`);
        balancesAgree(p, c, FUNDING_SAT * 1000n - PUSH);
      }
    },
  };
}

/** Glint (funder) sends update_fee. */
export function glintUpdateFee(w: World, peer: LdkPeer, closures: Closures): Flow {
  const TARGET = 400;
  return {
    name: 'update_fee (Glint sends)',
    armAtBoot: false,
    parallel: true,
    prepare: async (n) => (await glintChannels(w, peer, n)).map((c) => ({ ...c, targetFeerate: TARGET })),
    run: async (p, c) => {
      await p.node.updateFee(c.channelId!, TARGET);
      await waitFor(() => feeSettled(p, c), 'feerate settled on both sides', p, WAIT_MS, peer.node);
    },
    finish: async (p, c) => {
      await connected(p, peer);
      await usable(p, c);
      await new Promise((r) => setTimeout(r, 200));
      const saved = await savedFeerate(p, c.channelId!);
      // Only when our update never became durable (else reestablish retransmits it).
      if (saved && saved.local !== TARGET && saved.remote !== TARGET && !saved.pending) await p.node.updateFee(c.channelId!, TARGET);
      await waitFor(() => feeSettled(p, c), 'feerate settled on both sides', p, WAIT_MS, peer.node);
    },
    verify: async (p, c) => {
      noForceClose(p, c, closures);
      await usable(p, c);
      balancesAgree(p, c, FUNDING_SAT * 1000n);
    },
  };
}

/** LDK (funder) sends update_fee: its fee estimate moves (raised, or lowered below half) and its timer ticks. */
export function ldkUpdateFee(w: World, peer: LdkPeer, closures: Closures): Flow {
  const other = (rate: number) => (rate === 253 ? 600 : 253);
  return {
    name: 'update_fee (LDK sends)',
    armAtBoot: false,
    // LDK's fee estimate is the node's, for every channel at once.
    parallel: false,
    prepare: (n) => ldkChannels(w, peer, n, 'crash ldk fee'),
    run: async (p, c) => {
      c.targetFeerate = other(ldkFeerate(peer.node.ldk, peer.node, c.channelId!)!);
      peer.node.setFeerate(c.targetFeerate);
      await waitFor(() => feeSettled(p, c), 'feerate settled on both sides', p, WAIT_MS, peer.node);
    },
    finish: async (p, c) => {
      await connected(p, peer);
      await usable(p, c);
      peer.node.setFeerate(c.targetFeerate!);
      await waitFor(() => feeSettled(p, c), 'feerate settled on both sides', p, WAIT_MS, peer.node);
    },
    verify: async (p, c) => {
      noForceClose(p, c, closures);
      await usable(p, c);
      balancesAgree(p, c, 0n);
    },
  };
}

/** A cooperative close, `initiator` starting it. */
export function coopClose(w: World, peer: LdkPeer, closures: Closures, initiator: 'glint' | 'ldk'): Flow {
  const PUSH = 20_000_000n;
  const start = async (p: GlintProcess, c: Ctx): Promise<void> => {
    if (initiator === 'glint') {
      const r = await p.node.close(c.channelId!);
      c.closingTxid = r.closingTxid;
    } else {
      const ldk = peer.node.ldk;
      const res = peer.node.run(() => peer.node.channelManager.close_channel(ldk.ChannelId.constructor_new(Buffer.from(c.channelId!, 'hex')), Buffer.from(p.node.nodeId, 'hex')));
      if (!(res instanceof ldk.Result_NoneAPIErrorZ_OK)) throw new Error('LDK close_channel refused');
    }
  };
  const closed = async (p: GlintProcess, c: Ctx): Promise<void> => {
    await waitFor(() => {
      const s = p.node.channel(c.channelId!)?.state;
      return s === 'closing' || s === 'closed';
    }, 'Glint has the mutual close', p, WAIT_MS, peer.node);
    const txid = w.chain.mempoolTxids().find((t) => t === c.closingTxid) ?? (await closingTxidOf(p, c));
    c.closingTxid = txid;
    // LDK has both signatures too (it broadcasts the mutual close once its negotiation is over).
    await waitFor(() => peer.node.broadcasts.some((raw) => txidOfRaw(raw) === txid), 'LDK agreed on the mutual close', p, WAIT_MS, peer.node);
    await confirm(w, p, txid, 'mutual close tx');
    await waitFor(() => closures.has(c.channelId!), 'LDK saw the channel closed', p, WAIT_MS, peer.node);
  };
  return {
    name: `cooperative close (${initiator === 'glint' ? 'Glint' : 'LDK'} starts)`,
    armAtBoot: false,
    parallel: true,
    prepare: (n) => glintChannels(w, peer, n, PUSH),
    run: async (p, c) => {
      balancesAgree(p, c, FUNDING_SAT * 1000n - PUSH);
      await start(p, c);
      await closed(p, c);
    },
    finish: async (p, c) => {
      await connected(p, peer);
      await new Promise((r) => setTimeout(r, 300));
      const s = p.node.channel(c.channelId!)?.state;
      // Our shutdown never became durable and LDK has none: start again.
      if (s === 'normal' && ldkUsable(peer.node, c.channelId!)) {
        await usable(p, c);
        if (p.node.channel(c.channelId!)?.state === 'normal' && ldkUsable(peer.node, c.channelId!)) await start(p, c);
      }
      await closed(p, c);
    },
    verify: async (p, c) => {
      noForceClose(p, c, closures);
      const reason = closures.get(c.channelId!) ?? '';
      if (!/CooperativeClosure/.test(reason)) throw new Error(`LDK closed the channel with ${reason}`);
      if (channelsWith(peer.node, p.node.nodeId).length !== 0) throw new Error('LDK still lists the channel');
    },
  };
}

/** The txid of the mutual close Glint saved (state `closing`). */
async function closingTxidOf(p: GlintProcess, c: Ctx): Promise<string> {
  const bytes = await p.wallet.channelStore().get(`channel/${c.channelId}`);
  if (!bytes) throw new Error('no channel record');
  const s = decodeChannelState(bytes);
  if (s.type === 'closing') return txidOfRaw(s.closingTx);
  if (s.type === 'closed') return bytesToHex(Uint8Array.from(s.closingTxid).reverse());
  throw new Error(`channel record is ${s.type}`);
}
