/**
 * The node's channels as the UI sees it: the list (replaced wholesale from `channels.list` and
 * patched by `channel.changed` events), the notes per channel (a peer's errors and warnings, and
 * what the node did: aborted, force-closed, a failed close negotiation), and the close dialog.
 * Channels exist only while a wallet is unlocked (one node per wallet), so the list reloads on
 * every wallet status change.
 */
import type { RpcClient } from '../../workers/rpc/client.ts';
import type { ChannelDto, ChannelNoteDto, ChannelTypeChoice, NodeEvent, NodeInfoDto } from '../../workers/rpc/protocol.ts';
import { canCloseCooperatively, canForceClose, channelRank, countsAsLightning } from '../lib/channel-input.ts';

const MAX_NOTES = 6;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A channel's key in the UI: its local id (stable across the temporary → real id change). */
export function channelKey(c: { localId: number; channelId: string }): string {
  return c.localId >= 0 ? `local-${c.localId}` : `id-${c.channelId}`;
}

export interface ChannelView extends ChannelDto {
  key: string;
  notes: ChannelNoteDto[];
}

export interface CloseRequest {
  key: string;
  channelId: string;
  force: boolean;
}

export class ChannelsState {
  channels: ChannelDto[] = $state.raw([]);
  notes: Record<string, ChannelNoteDto[]> = $state.raw({});
  loadError: string | null = $state(null);
  loading = $state(false);
  /** The channel the close dialog is open for. */
  closeRequest: CloseRequest | null = $state.raw(null);
  closeBusy = $state(false);
  closeError: string | null = $state(null);
  /** The last close that went through: which channel, and its txid. */
  closed: { key: string; txid: string; force: boolean } | null = $state.raw(null);

  readonly #client: RpcClient;
  readonly #unsubscribe: () => void;
  #generation = 0;

  constructor(client: RpcClient) {
    this.#client = client;
    this.#unsubscribe = client.subscribe((e) => this.#onEvent(e));
  }

  /** Open channels first, then the ones being opened, then the finished; newest first in each. */
  get views(): ChannelView[] {
    return this.channels
      .map((c) => ({ ...c, key: channelKey(c), notes: this.notes[channelKey(c)] ?? [] }))
      .sort((a, b) => channelRank(a) - channelRank(b) || b.localId - a.localId);
  }

  /**
   * What the Lightning side holds: our balance in funded channels whose money is not yet on its
   * way to the chain (the engine's LIGHTNING_BALANCE_STATES; a closing channel's funds are the
   * wallet's unconfirmed balance instead).
   */
  get lightningMsat(): bigint {
    let sum = 0n;
    for (const c of this.channels) if (countsAsLightning(c)) sum += BigInt(c.localMsat);
    return sum;
  }

  get closeTarget(): ChannelView | null {
    const r = this.closeRequest;
    return r ? (this.views.find((c) => c.key === r.key) ?? null) : null;
  }

  /** `info`: the node's status when it changed later (another tab handed it over); else wait for `ready`. */
  async start(known?: NodeInfoDto): Promise<void> {
    try {
      const info = known ?? (await this.#client.ready());
      if (info.status !== 'running') return;
    } catch {
      return; // NodeState reports why
    }
    await this.reload();
  }

  async reload(): Promise<void> {
    const gen = ++this.#generation;
    this.loading = true;
    try {
      const list = await this.#client.request('channels.list', {});
      if (gen !== this.#generation) return;
      this.channels = list;
      this.loadError = null;
    } catch (err) {
      if (gen === this.#generation) this.loadError = message(err);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  /** Open a channel; rejects with the worker's error (its `field` names the bad param). */
  async open(req: { uri: string; proxy: string | null; fundingSat: bigint; pushMsat: bigint; channelType: ChannelTypeChoice }): Promise<{ channelId: string; fundingTxid: string }> {
    const result = await this.#client.request('channels.open', {
      uri: req.uri,
      proxy: req.proxy,
      fundingSat: req.fundingSat.toString(),
      pushMsat: req.pushMsat.toString(),
      channelType: req.channelType,
    });
    await this.reload();
    return result;
  }

  askClose(c: ChannelView, force = false): void {
    if (!(force ? canForceClose(c) : canCloseCooperatively(c) || canForceClose(c))) return;
    this.closeRequest = { key: c.key, channelId: c.channelId, force: force || !canCloseCooperatively(c) };
    this.closeError = null;
  }

  setForce(force: boolean): void {
    const r = this.closeRequest;
    if (!r || this.closeBusy) return;
    const c = this.closeTarget;
    if (!force && c && !canCloseCooperatively(c)) return;
    this.closeRequest = { ...r, force };
    this.closeError = null;
  }

  cancelClose(): void {
    if (this.closeBusy) return;
    this.closeRequest = null;
    this.closeError = null;
  }

  /** Close the channel in the dialog; the dialog stays open with the reason if it fails. */
  async confirmClose(): Promise<void> {
    const r = this.closeRequest;
    if (!r || this.closeBusy) return;
    const c = this.closeTarget;
    this.closeBusy = true;
    this.closeError = null;
    try {
      const { closingTxid } = await this.#client.request('channels.close', { channelId: c?.channelId ?? r.channelId, force: r.force });
      this.closed = { key: r.key, txid: closingTxid, force: r.force };
      this.closeRequest = null;
      await this.reload();
    } catch (err) {
      this.closeError = message(err);
    } finally {
      this.closeBusy = false;
    }
  }

  dismissNotes(key: string): void {
    if (!this.notes[key]) return;
    const { [key]: _gone, ...rest } = this.notes;
    this.notes = rest;
  }

  destroy(): void {
    this.#unsubscribe();
  }

  #upsert(c: ChannelDto): void {
    const key = channelKey(c);
    const i = this.channels.findIndex((x) => channelKey(x) === key);
    this.channels = i < 0 ? [...this.channels, c] : this.channels.map((x, j) => (j === i ? c : x));
  }

  #onEvent(e: NodeEvent): void {
    switch (e.type) {
      case 'channel.changed':
        this.#upsert(e.channel);
        return;
      case 'channel.note': {
        const key = channelKey(e.note);
        const list = [...(this.notes[key] ?? []), e.note].slice(-MAX_NOTES);
        this.notes = { ...this.notes, [key]: list };
        return;
      }
      case 'wallet.status':
        // A different wallet (or none): a different node, different channels.
        this.channels = [];
        this.notes = {};
        this.closeRequest = null;
        this.closed = null;
        if (e.status.state === 'unlocked') void this.reload();
        return;
      case 'node.status':
        if (e.info.status === 'running') void this.reload();
        return;
    }
  }
}
