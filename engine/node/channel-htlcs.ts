/**
 * The ChannelManager's HTLC side, as the PaymentManager sees it (engine/node/payments/ports.ts
 * `PaymentChannels`): the usable channels with what they can send and receive now (engine/channel
 * `sendableMsat` / `receivableMsat`), their HTLCs (`htlcsOf`, `pendingIncomingHtlcs`), the four
 * BOLT 2 HTLC commands as reducer steps (add-htlc, fulfill-htlc, fail-htlc, fail-malformed-htlc;
 * a refusal is the step's `command-rejected`, returned at once), and the HTLC UiEvents the
 * reducer emits (htlc-added / htlc-received / htlc-fulfilled / htlc-failed, after the step's
 * state is durable), plus `channel-usable` when a channel becomes usable again (reestablished).
 */
import {
  type ChannelEvent,
  type ChannelState,
  type ChannelUiEvent,
  type Transition,
  htlcsOf,
  pendingIncomingHtlcs,
  receivableMsat,
  sendableMsat,
} from '../channel/index.ts';
import { bytesToHex } from '../lib/bytes.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../ports.ts';
import type { Entry } from './channel-chain.ts';
import { idsOf, isTerminal } from './channel-inspect.ts';
import { rejectionOf } from './channel-close.ts';
import type { AddHtlcCommand, HtlcEvent, PaymentChannel, PaymentChannels, PaymentHtlcView } from './payments/ports.ts';

export interface ChannelHtlcHost {
  readonly entries: readonly Entry[];
  readonly logger: Logger;
  dispatch(entry: Entry, event: ChannelEvent): Transition | undefined;
  isConnected(peer: string): boolean;
  tipHeight(): number;
  idle(): Promise<void>;
}

/** Usable for payments: normal, reestablished, its peer connected, not frozen. */
export function isUsable(state: ChannelState, connected: boolean, frozen: boolean): boolean {
  return state.type === 'normal' && state.syncing !== true && connected && !frozen;
}

export class ChannelHtlcs implements PaymentChannels {
  private readonly host: ChannelHtlcHost;
  private readonly listeners = new Set<(e: HtlcEvent) => void>();

  constructor(host: ChannelHtlcHost) {
    this.host = host;
  }

  channels(): readonly PaymentChannel[] {
    const out: PaymentChannel[] = [];
    for (const e of this.host.entries) {
      const s = e.state;
      if (isTerminal(s) || !('commitments' in s)) continue;
      const id = idsOf(s).id;
      if (!id) continue;
      const usable = isUsable(s, e.peer !== '' && this.host.isConnected(e.peer), e.frozen !== undefined);
      out.push({
        channelId: bytesToHex(id),
        peer: e.peer,
        usable,
        open: s.type === 'normal' && e.frozen === undefined,
        ...('shortChannelId' in s && typeof s.shortChannelId === 'bigint' ? { shortChannelId: s.shortChannelId } : {}),
        ...(s.type === 'normal' && s.remoteAlias !== undefined ? { remoteAlias: s.remoteAlias } : {}),
        sendableMsat: usable ? sendableMsat(s) : 0n,
        receivableMsat: usable ? receivableMsat(s) : 0n,
        htlcMinimumMsat: s.commitments.remoteParams.htlcMinimumMsat,
      });
    }
    return out;
  }

  htlcs(channelId: string): readonly PaymentHtlcView[] {
    const e = this.find(channelId);
    return e ? htlcsOf(e.state) : [];
  }

  pendingIncoming(channelId: string): readonly PaymentHtlcView[] {
    const e = this.find(channelId);
    return e ? pendingIncomingHtlcs(e.state) : [];
  }

  tipHeight(): number {
    return this.host.tipHeight();
  }

  addHtlc(channelId: string, cmd: AddHtlcCommand): string | undefined {
    return this.command(channelId, { type: 'add-htlc', ...cmd });
  }

  fulfillHtlc(channelId: string, htlcId: bigint, paymentPreimage: Uint8Array): string | undefined {
    return this.command(channelId, { type: 'fulfill-htlc', htlcId, paymentPreimage });
  }

  failHtlc(channelId: string, htlcId: bigint, reason: Uint8Array): string | undefined {
    return this.command(channelId, { type: 'fail-htlc', htlcId, reason });
  }

  failMalformedHtlc(channelId: string, htlcId: bigint, sha256OfOnion: Uint8Array, failureCode: number): string | undefined {
    return this.command(channelId, { type: 'fail-malformed-htlc', htlcId, sha256OfOnion, failureCode });
  }

  subscribe(fn: (e: HtlcEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  idle(): Promise<void> {
    return this.host.idle();
  }

  /** A reducer UiEvent of `entry`, once its batch is durable: HTLC events go to the listeners. */
  onEmit(entry: Entry, event: ChannelUiEvent): void {
    switch (event.type) {
      case 'htlc-added':
        return this.notify({ type: 'htlc-added', channelId: bytesToHex(event.channelId), htlcId: event.htlcId, tag: event.tag });
      case 'htlc-received':
        return this.notify({
          type: 'htlc-received',
          channelId: bytesToHex(event.channelId),
          htlcId: event.htlcId,
          amountMsat: event.amountMsat,
          paymentHash: event.paymentHash,
          cltvExpiry: event.cltvExpiry,
          onionRoutingPacket: event.onionRoutingPacket,
        });
      case 'htlc-fulfilled':
        return this.notify({ type: 'htlc-fulfilled', channelId: bytesToHex(event.channelId), htlcId: event.htlcId, tag: event.tag, paymentPreimage: event.paymentPreimage });
      case 'htlc-failed':
        return this.notify({
          type: 'htlc-failed',
          channelId: bytesToHex(event.channelId),
          htlcId: event.htlcId,
          tag: event.tag,
          ...(event.reason ? { reason: event.reason } : {}),
          ...(event.malformed ? { malformed: event.malformed } : {}),
          ...(event.localReason !== undefined ? { localReason: event.localReason } : {}),
        });
      default:
        void entry;
        return;
    }
  }

  /** After a step of `entry`: report a channel that became usable (reestablished, reconnected). */
  becameUsable(entry: Entry): void {
    const id = idsOf(entry.state).id;
    if (id) this.notify({ type: 'channel-usable', channelId: bytesToHex(id) });
  }

  private find(channelId: string): Entry | undefined {
    const id = channelId.toLowerCase();
    return this.host.entries.find((e) => !isTerminal(e.state) && idsOf(e.state).id !== undefined && bytesToHex(idsOf(e.state).id!) === id);
  }

  private command(channelId: string, event: ChannelEvent): string | undefined {
    const entry = this.find(channelId);
    if (!entry) return `no open channel ${channelId}`;
    if (entry.frozen) return `the channel is frozen: ${entry.frozen}`;
    const t = this.host.dispatch(entry, event);
    if (!t) return 'the channel is frozen';
    return rejectionOf(t);
  }

  private notify(e: HtlcEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.host.logger.log('error', 'HTLC listener threw', { type: e.type, error: errorMessage(err) });
      }
    }
  }
}
