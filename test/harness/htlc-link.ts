/**
 * An in-memory stand-in for the channel layer under PaymentManagers (engine/node/payments/ports.ts
 * `PaymentChannels`): direct channels between nodes with balances and HTLCs, where an added HTLC
 * reaches the peer's PaymentManager as `htlc-received` with the real onion, and the peer's
 * fulfill / fail comes back as `htlc-fulfilled` / `htlc-failed` with the real failure packet. No
 * commitment dance (engine/channel has its own tests): what is tested on top is the payments'
 * onion, invoice, MPP, retry and history logic between two real PaymentManagers. Deliveries wait
 * in a queue until `settle()`.
 */
import { sha256 } from '../../engine/crypto/hash.ts';
import { bytesToHex, equalBytes } from '../../engine/lib/bytes.ts';
import type { AddHtlcCommand, HtlcEvent, PaymentChannel, PaymentChannels, PaymentHtlcView } from '../../engine/node/payments/ports.ts';
import type { Clock } from '../../engine/ports.ts';

interface LinkHtlc {
  readonly id: bigint;
  readonly from: string;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly onion: Uint8Array;
  readonly tag: string;
  state: 'committed' | 'fulfilling' | 'failing';
  preimage?: Uint8Array;
}

interface LinkChannel {
  readonly channelId: string;
  readonly nodes: readonly [string, string];
  readonly balance: Map<string, bigint>;
  readonly htlcs: Map<bigint, LinkHtlc>;
  nextId: bigint;
  usable: boolean;
  readonly scid: bigint;
}

/** A controllable clock: `advance(ms)` runs the timers that fall due. */
export class ManualClock implements Clock {
  ms = 1_800_000_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now(): number {
    return this.ms;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const id = this.ids++;
    this.timers.push({ at: this.ms + ms, fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }
  advance(ms: number): void {
    this.ms += ms;
    const due = this.timers.filter((t) => t.at <= this.ms).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.ms);
    for (const t of due) t.fn();
  }
}

export class HtlcLink {
  readonly channels: LinkChannel[] = [];
  height = 700;
  private readonly queue: { to: string; event: HtlcEvent }[] = [];
  private readonly sides = new Map<string, LinkSide>();
  /** Every HTLC event delivered, for assertions. */
  readonly log: { to: string; event: HtlcEvent }[] = [];

  side(nodeId: string): LinkSide {
    let s = this.sides.get(nodeId);
    if (!s) {
      s = new LinkSide(this, nodeId);
      this.sides.set(nodeId, s);
    }
    return s;
  }

  /** A channel between `a` and `b` with their balances. */
  open(a: string, b: string, aMsat: bigint, bMsat: bigint): string {
    const n = this.channels.length + 1;
    const channelId = bytesToHex(sha256(Uint8Array.of(n, 0xcc)));
    this.channels.push({ channelId, nodes: [a, b], balance: new Map([[a, aMsat], [b, bMsat]]), htlcs: new Map(), nextId: 0n, usable: true, scid: (700n << 40n) | (BigInt(n) << 16n) });
    return channelId;
  }

  push(to: string, event: HtlcEvent): void {
    this.queue.push({ to, event });
  }

  /** Deliver queued events (and those they cause) until quiet. */
  async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      const next = this.queue.shift();
      if (!next) {
        for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
        if (this.queue.length === 0) return;
        continue;
      }
      this.log.push(next);
      this.sides.get(next.to)?.emit(next.event);
    }
    throw new Error('link did not settle');
  }

  channel(id: string): LinkChannel {
    const c = this.channels.find((x) => x.channelId === id);
    if (!c) throw new Error(`no channel ${id}`);
    return c;
  }
}

export class LinkSide implements PaymentChannels {
  private readonly link: HtlcLink;
  readonly nodeId: string;
  private readonly listeners = new Set<(e: HtlcEvent) => void>();
  /** Channels whose addHtlc refuses, with the reason. */
  readonly refuseAdds = new Map<string, string>();

  constructor(link: HtlcLink, nodeId: string) {
    this.link = link;
    this.nodeId = nodeId;
  }

  private mine(): LinkChannel[] {
    return this.link.channels.filter((c) => c.nodes.includes(this.nodeId));
  }

  private peerOf(c: LinkChannel): string {
    return c.nodes[0] === this.nodeId ? c.nodes[1] : c.nodes[0];
  }

  private available(c: LinkChannel, who: string): bigint {
    let v = c.balance.get(who)!;
    for (const h of c.htlcs.values()) if (h.from === who) v -= h.amountMsat;
    return v;
  }

  channels(): readonly PaymentChannel[] {
    return this.mine().map((c) => ({
      channelId: c.channelId,
      peer: this.peerOf(c),
      usable: c.usable,
      open: true,
      shortChannelId: c.scid,
      remoteAlias: c.scid + 1n,
      sendableMsat: c.usable ? this.available(c, this.nodeId) : 0n,
      receivableMsat: c.usable ? this.available(c, this.peerOf(c)) : 0n,
      htlcMinimumMsat: 1000n,
    }));
  }

  htlcs(channelId: string): readonly PaymentHtlcView[] {
    const c = this.link.channel(channelId);
    return [...c.htlcs.values()].map((h) => ({
      direction: h.from === this.nodeId ? ('outgoing' as const) : ('incoming' as const),
      htlcId: h.id,
      amountMsat: h.amountMsat,
      paymentHash: h.paymentHash,
      cltvExpiry: h.cltvExpiry,
      ...(h.from === this.nodeId ? { tag: h.tag } : { onionRoutingPacket: h.onion }),
      state: h.state,
      ...(h.preimage ? { preimage: h.preimage } : {}),
    }));
  }

  pendingIncoming(channelId: string): readonly PaymentHtlcView[] {
    return this.htlcs(channelId).filter((h) => h.direction === 'incoming' && h.state === 'committed');
  }

  tipHeight(): number {
    return this.link.height;
  }

  addHtlc(channelId: string, cmd: AddHtlcCommand): string | undefined {
    const refused = this.refuseAdds.get(channelId);
    if (refused) return refused;
    const c = this.link.channel(channelId);
    if (!c.usable) return 'channel not usable';
    if (cmd.amountMsat > this.available(c, this.nodeId)) return 'insufficient balance';
    const id = c.nextId++;
    c.htlcs.set(id, { id, from: this.nodeId, amountMsat: cmd.amountMsat, paymentHash: cmd.paymentHash, cltvExpiry: cmd.cltvExpiry, onion: cmd.onionRoutingPacket, tag: cmd.tag, state: 'committed' });
    this.link.push(this.nodeId, { type: 'htlc-added', channelId, htlcId: id, tag: cmd.tag });
    this.link.push(this.peerOf(c), { type: 'htlc-received', channelId, htlcId: id, amountMsat: cmd.amountMsat, paymentHash: cmd.paymentHash, cltvExpiry: cmd.cltvExpiry, onionRoutingPacket: cmd.onionRoutingPacket });
    return undefined;
  }

  private incoming(channelId: string, htlcId: bigint): { c: LinkChannel; h: LinkHtlc } | string {
    const c = this.link.channel(channelId);
    if (!c.usable) return 'channel not usable';
    const h = c.htlcs.get(htlcId);
    if (!h || h.from === this.nodeId || h.state !== 'committed') return 'no such incoming HTLC';
    return { c, h };
  }

  fulfillHtlc(channelId: string, htlcId: bigint, preimage: Uint8Array): string | undefined {
    const x = this.incoming(channelId, htlcId);
    if (typeof x === 'string') return x;
    if (!equalBytes(sha256(preimage), x.h.paymentHash)) return 'wrong preimage';
    x.h.state = 'fulfilling';
    x.h.preimage = preimage;
    x.c.balance.set(x.h.from, x.c.balance.get(x.h.from)! - x.h.amountMsat);
    x.c.balance.set(this.nodeId, x.c.balance.get(this.nodeId)! + x.h.amountMsat);
    x.c.htlcs.delete(htlcId);
    this.link.push(x.h.from, { type: 'htlc-fulfilled', channelId, htlcId, tag: x.h.tag, paymentPreimage: preimage });
    return undefined;
  }

  failHtlc(channelId: string, htlcId: bigint, reason: Uint8Array): string | undefined {
    const x = this.incoming(channelId, htlcId);
    if (typeof x === 'string') return x;
    x.c.htlcs.delete(htlcId);
    this.link.push(x.h.from, { type: 'htlc-failed', channelId, htlcId, tag: x.h.tag, reason });
    return undefined;
  }

  failMalformedHtlc(channelId: string, htlcId: bigint, sha256OfOnion: Uint8Array, failureCode: number): string | undefined {
    const x = this.incoming(channelId, htlcId);
    if (typeof x === 'string') return x;
    x.c.htlcs.delete(htlcId);
    this.link.push(x.h.from, { type: 'htlc-failed', channelId, htlcId, tag: x.h.tag, malformed: { failureCode, sha256OfOnion } });
    return undefined;
  }

  subscribe(fn: (e: HtlcEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(e: HtlcEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  async idle(): Promise<void> {}
}
