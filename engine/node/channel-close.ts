/**
 * Closing a channel on the user's command (ChannelManager.close, engine/node/channels.ts):
 *
 *   cooperative: `normal` + peer connected → script (given, or `ChannelWallet.shutdownScript`) →
 *     reducer `close` (shutdown sent after `shutting-down` is durable) → … → the `channel-closing`
 *     UI event (the `closing` state holding the mutual close tx is durable, its broadcast started)
 *     resolves with its txid. `closing-negotiation-failed`, a force close, a lost-state proof or
 *     the channel ending elsewhere reject; so does CLOSE_TIMEOUT_MS without agreement (the close
 *     itself goes on: the reducer keeps negotiating on reconnection, BOLT 2).
 *     Asked again while shutting down / negotiating: waits for the same outcome; in `closing`:
 *     the mutual close txid at once.
 *   force: reducer `force-close` → resolves with the commitment txid once the `force-closing`
 *     batch ran (state durable, broadcast started). Already force-closing: the same txid.
 *
 * It holds no channel state: steps go through the manager's `dispatch`.
 */
import type { ChannelEvent, ChannelUiEvent, Transition } from '../channel/index.ts';
import { errorMessage, ValidationError } from '../lib/errors.ts';
import type { Clock } from '../ports.ts';
import type { Entry } from './channel-chain.ts';
import { displayTxid, txidOfRaw } from './channel-inspect.ts';
import type { CloseResult, ChannelWallet } from './channel-ports.ts';
import type { BatchResult } from './executor.ts';

/** How long `close` waits for the peer to agree on a mutual close before rejecting (the close itself goes on). */
export const CLOSE_TIMEOUT_MS = 60_000;

interface CloseWaiter {
  readonly resolve: (r: CloseResult) => void;
  readonly reject: (e: Error) => void;
  readonly cancelTimer: () => void;
}

/** What the closer needs from the manager. */
export interface CloseHost {
  readonly clock: Clock;
  readonly wallet: ChannelWallet;
  dispatch(entry: Entry, event: ChannelEvent): Transition | undefined;
  isConnected(peer: string): boolean;
}

/** The reason of a `command-rejected` in a transition, if any. */
export function rejectionOf(t: Transition): string | undefined {
  for (const a of t.actions) if (a.type === 'emit' && a.event.type === 'command-rejected') return a.event.reason;
  return undefined;
}

export class ChannelCloser {
  private readonly host: CloseHost;
  /** Callers of `close` waiting for the mutual close tx, per channel. */
  private readonly waiters = new Map<Entry, CloseWaiter[]>();

  constructor(host: CloseHost) {
    this.host = host;
  }

  async force(entry: Entry): Promise<CloseResult> {
    const s = entry.state;
    if (s.type === 'force-closing') return { closingTxid: s.commitmentTx ? txidOfRaw(s.commitmentTx) : displayTxid(s.spend?.txid ?? new Uint8Array(32)) };
    const t = this.host.dispatch(entry, { type: 'force-close' });
    if (!t) throw new ValidationError('channelId', `channel is frozen: ${entry.frozen ?? 'store failure'}`);
    const rejected = rejectionOf(t);
    if (rejected) throw new ValidationError('force', rejected);
    const b = t.actions.find((a) => a.type === 'broadcast' && a.kind === 'commitment');
    if (!b || b.type !== 'broadcast') throw new ValidationError('force', `nothing to broadcast in ${s.type}`);
    const r = (await entry.last) as BatchResult | undefined;
    if (!r || r.status !== 'done') throw new ValidationError('force', `the force-closing state could not be saved (${r?.reason ?? r?.status ?? 'store failure'}); nothing was broadcast`);
    return { closingTxid: displayTxid(b.txid) };
  }

  async mutual(entry: Entry, given: Uint8Array | undefined): Promise<CloseResult> {
    const s = entry.state;
    // Asked again: the mutual close tx we already have, or the negotiation under way.
    if (s.type === 'closing') return { closingTxid: txidOfRaw(s.closingTx) };
    if (s.type === 'shutting-down' || s.type === 'negotiating-closing') return this.wait(entry, () => undefined);
    if (s.type !== 'normal') throw new ValidationError('channelId', `channel is in ${s.type}: a cooperative close needs a channel in normal`);
    if (!this.host.isConnected(entry.peer)) throw new ValidationError('channelId', `not connected to ${entry.peer}: a cooperative close needs the peer (or use force)`);
    let script: Uint8Array;
    if (given) script = given.slice();
    else {
      try {
        script = await this.host.wallet.shutdownScript();
      } catch (err) {
        throw new ValidationError('scriptPubKey', `the wallet gave no script to close to: ${errorMessage(err)}`);
      }
    }
    // Another close (ours or the peer's) may have started while the wallet answered.
    if (entry.state.type !== 'normal') return this.mutual(entry, given);
    return this.wait(entry, () => {
      const t = this.host.dispatch(entry, { type: 'close', scriptPubKey: script });
      return t ? rejectionOf(t) : `channel is frozen: ${entry.frozen ?? 'store failure'}`;
    });
  }

  /** Wait for the channel's mutual close tx; `start` runs once waiting, and returns a refusal reason if any. */
  private wait(entry: Entry, start: () => string | undefined): Promise<CloseResult> {
    return new Promise<CloseResult>((resolve, reject) => {
      const cancelTimer = this.host.clock.setTimer(CLOSE_TIMEOUT_MS, () => {
        this.settle(entry, undefined, new ValidationError('close', `the peer did not agree on a closing transaction within ${CLOSE_TIMEOUT_MS / 1000} s; the close goes on (state ${entry.state.type})`), waiter);
      });
      const waiter: CloseWaiter = { resolve, reject, cancelTimer };
      this.waiters.set(entry, [...(this.waiters.get(entry) ?? []), waiter]);
      const rejected = start();
      if (rejected) this.settle(entry, undefined, new ValidationError('close', rejected), waiter);
    });
  }

  /** A UI event of a channel (run after its batch): does it end someone's wait? */
  progress(entry: Entry, event: ChannelUiEvent): void {
    if (!this.waiters.has(entry)) return;
    switch (event.type) {
      case 'channel-closing':
        return this.settle(entry, { closingTxid: displayTxid(event.closingTxid) }, undefined);
      case 'closing-negotiation-failed':
        return this.settle(entry, undefined, new ValidationError('close', `closing negotiation failed: ${event.reason}`));
      case 'channel-force-closed':
        return this.settle(entry, undefined, new ValidationError('close', `the channel was force-closed instead: ${event.reason}`));
      case 'stale-state':
        return this.settle(entry, undefined, new ValidationError('close', `the channel cannot be closed by us: ${event.reason}`));
      case 'state-changed':
        if (event.to === 'aborted' || event.to === 'closed' || event.to === 'wait-for-remote-publish') {
          return this.settle(entry, undefined, new ValidationError('close', `the channel went to ${event.to}`));
        }
        return;
      default:
        return;
    }
  }

  /** The channel froze (store failure): nobody waits for it any more. */
  frozen(entry: Entry, reason: string): void {
    this.settle(entry, undefined, new ValidationError('close', `channel frozen (store failure): ${reason}`));
  }

  /** Resolve (`result`) or reject (`error`) the channel's waiters (only `only`, if given). */
  private settle(entry: Entry, result: CloseResult | undefined, error: Error | undefined, only?: CloseWaiter): void {
    const waiters = this.waiters.get(entry);
    if (!waiters) return;
    const settled = only ? waiters.filter((w) => w === only) : waiters;
    const rest = waiters.filter((w) => !settled.includes(w));
    if (rest.length) this.waiters.set(entry, rest);
    else this.waiters.delete(entry);
    for (const w of settled) {
      w.cancelTimer();
      if (result) w.resolve(result);
      else w.reject(error ?? new ValidationError('close', 'close failed'));
    }
  }
}
