/**
 * The node's channels inside the worker: the translation between the engine's node (GlintNode:
 * `ChannelInfo` with bigints, `ChannelManagerEvent`s, PeerManager `remote-error`s carrying the
 * channel id) and the RPC DTOs (decimal strings, `channel.changed` / `channel.note` events).
 *
 * The engine is reached through the small `ChannelEngine` interface so this module is unit-tested
 * with a fake; node.worker.ts hands it the running GlintNode while a wallet is unlocked (one node
 * per wallet) and null otherwise.
 */
import {
  CHANNEL_STATES,
  CHANNEL_TYPES,
  CLOSING_OUTPUT_KINDS,
  CLOSING_OUTPUT_STATUSES,
  RpcValidationError,
  type ChannelDto,
  type ClosingOutputDto,
  type ClosingOutputKindDto,
  type ClosingOutputStatusDto,
  type ChannelNoteDto,
  type ChannelStateDto,
  type ChannelTypeChoice,
  type ChannelTypeDto,
  type NodeEvent,
} from './rpc/protocol.ts';

/** One channel as the engine reports it (engine/node/channel-ports.ts `ChannelInfo`). */
export interface EngineChannel {
  readonly localId: number;
  readonly channelId: string;
  readonly temporaryChannelId?: string;
  readonly peer: string;
  readonly state: string;
  readonly type?: string;
  readonly isFunder?: boolean;
  readonly capacitySat: bigint;
  readonly localMsat: bigint;
  readonly remoteMsat: bigint;
  readonly usable: boolean;
  readonly shortChannelId?: string;
  readonly fundingTxid?: string;
  readonly fundingOutputIndex?: number;
  /** The mutual close or commitment spending the funding output, and which of the two (`unilateral`). */
  readonly closingTxid?: string;
  readonly unilateral?: boolean;
  /** BOLT 2 `minimum_depth`, while opening. */
  readonly minimumDepth?: number;
  readonly reason?: string;
  readonly frozen?: string;
  /** BOLT 5: the outputs of its confirmed closing commitment (engine ClosingOutputInfo). */
  readonly outputs?: readonly EngineClosingOutput[];
}

/** engine/node/channel-ports.ts `ClosingOutputInfo`. */
export interface EngineClosingOutput {
  readonly outpoint: string;
  readonly kind: string;
  readonly amountSat: bigint;
  readonly status: string;
  readonly availableAtHeight?: number;
  readonly claimTxid?: string;
}

/** What the engine's node emits that the host cares about (a superset may arrive; unknown types are ignored). */
export type EngineEvent =
  | { readonly type: 'channel'; readonly channel: EngineChannel; readonly event: { readonly type: string; readonly [k: string]: unknown } }
  | { readonly type: 'frozen'; readonly channel: EngineChannel; readonly reason: string }
  /** ChannelManager: the channel is usable again (reestablished). */
  | { readonly type: 'channel-usable'; readonly channel: EngineChannel }
  /** GlintNode: a peer connected / disconnected (its channels' `usable` follows). */
  | { readonly type: 'peer-connected'; readonly peer: { readonly nodeId: string } }
  | { readonly type: 'peer-disconnected'; readonly nodeId: string; readonly reason?: string; readonly willReconnect?: boolean }
  /** ChannelManager: a peer's error/warning, with the channel_id it names (older builds: none). */
  | { readonly type: 'peer-error'; readonly peer: string; readonly kind: 'error' | 'warning'; readonly text: string; readonly channelId?: string }
  /** PeerManager: a peer's error/warning with the channel_id it names. */
  | { readonly type: 'remote-error'; readonly nodeId: string; readonly kind: 'error' | 'warning'; readonly text: string; readonly channelId: string }
  /** GlintNode: the node synced on a new chain tip. */
  | { readonly type: 'tip'; readonly height: number }
  | { readonly type: string };

/** What the host needs of the node (GlintNode satisfies it). */
export interface ChannelEngine {
  channels(): readonly EngineChannel[];
  connect(uri: string, opts?: { proxy?: string }): Promise<unknown>;
  open(uri: string, fundingSat: bigint, opts?: { pushMsat?: bigint; channelType?: ChannelTypeDto; proxy?: string }): Promise<{ channelId: string; fundingTxid: string }>;
  close(channelId: string, opts?: { force?: boolean }): Promise<{ closingTxid: string }>;
  /** Connected peers (to tell whether a failed first dial left a peer connected). */
  peers?(): readonly { readonly nodeId: string }[];
  /** Stop dialling a peer (a failed first dial is not retried behind the user's back). */
  disconnect?(nodeId: string): void;
}

export interface ChannelHostOptions {
  emit(event: NodeEvent): void;
  now(): number;
}

const ALL_CHANNELS = '0'.repeat(64);
const MAX_TEXT = 2000;
/** What the protocol may carry (the engine's state names, Glint's channel types). */
const STATES: ReadonlySet<string> = new Set<string>(CHANNEL_STATES);
const TYPES: ReadonlySet<string> = new Set<string>(CHANNEL_TYPES);
const OUTPUT_KINDS: ReadonlySet<string> = new Set<string>(CLOSING_OUTPUT_KINDS);
const OUTPUT_STATUSES: ReadonlySet<string> = new Set<string>(CLOSING_OUTPUT_STATUSES);

const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);
const nonNegative = (n: bigint): string => (n < 0n ? '0' : n.toString());

/**
 * One closing output as its DTO; `tipHeight` (the node's chain tip, when known) gives the blocks
 * left of a `waiting` one. Throws on a kind or status the protocol does not know (a bug to surface).
 */
export function closingOutputDto(o: EngineClosingOutput, tipHeight: number | null): ClosingOutputDto {
  if (!OUTPUT_KINDS.has(o.kind)) throw new Error(`closing output ${o.outpoint}: unknown kind "${o.kind}"`);
  if (!OUTPUT_STATUSES.has(o.status)) throw new Error(`closing output ${o.outpoint}: unknown status "${o.status}"`);
  const at = o.availableAtHeight ?? null;
  return {
    outpoint: o.outpoint,
    kind: o.kind as ClosingOutputKindDto,
    amountSat: nonNegative(o.amountSat),
    status: o.status as ClosingOutputStatusDto,
    availableAtHeight: at,
    blocksLeft: at === null || tipHeight === null ? null : Math.max(0, at - tipHeight),
    claimTxid: o.claimTxid ?? null,
  };
}

/** ChannelInfo → ChannelDto. Throws on a state or type the protocol does not know (a bug to surface). */
export function channelDto(c: EngineChannel, tipHeight: number | null = null): ChannelDto {
  if (!STATES.has(c.state)) throw new Error(`channel ${c.channelId}: unknown state "${c.state}"`);
  if (c.type !== undefined && !TYPES.has(c.type)) throw new Error(`channel ${c.channelId}: unknown type "${c.type}"`);
  return {
    localId: c.localId,
    channelId: c.channelId,
    peer: c.peer,
    state: c.state as ChannelStateDto,
    type: (c.type as ChannelTypeDto | undefined) ?? null,
    isFunder: c.isFunder ?? null,
    capacitySat: nonNegative(c.capacitySat),
    localMsat: nonNegative(c.localMsat),
    remoteMsat: nonNegative(c.remoteMsat),
    usable: c.usable,
    shortChannelId: c.shortChannelId ?? null,
    fundingTxid: c.fundingTxid ?? null,
    reason: c.reason === undefined ? null : clip(c.reason),
    frozen: c.frozen === undefined ? null : clip(c.frozen),
    outputs: (c.outputs ?? []).map((o) => closingOutputDto(o, tipHeight)),
    ...(c.minimumDepth !== undefined ? { minimumDepth: c.minimumDepth } : {}),
  };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'bigint' || typeof v === 'number' ? v.toString() : '');

/** The note a channel UI event deserves, if any (routine transitions get none: the card shows them). */
export function noteFor(event: { readonly type: string; readonly [k: string]: unknown }): Pick<ChannelNoteDto, 'source' | 'kind' | 'text'> | null {
  switch (event.type) {
    case 'channel-aborted':
      return { source: 'node', kind: 'error', text: `The channel was not opened: ${str(event.reason)}` };
    case 'channel-force-closed':
      return { source: 'node', kind: 'warning', text: `Force-closed: ${str(event.reason)}` };
    case 'channel-closing': {
      const fee = str(event.feeSat);
      // (The event's txid is in internal byte order; the close result carries the display one.)
      return { source: 'node', kind: 'info', text: `The closing transaction is broadcast${fee ? ` (fee ${fee} sats)` : ''}; waiting for it to confirm.` };
    }
    case 'channel-closed':
      return { source: 'node', kind: 'info', text: 'Closed: the closing transaction is confirmed.' };
    case 'closing-negotiation-failed':
      return { source: 'node', kind: 'warning', text: `The close could not be agreed: ${str(event.reason)}` };
    case 'stale-state':
      return { source: 'node', kind: 'error', text: `The peer proved this device has an old channel state; waiting for the peer to close. ${str(event.reason)}` };
    case 'peer-warning':
      return { source: 'peer', kind: 'warning', text: str(event.text) };
    case 'htlc-tx-unfunded':
      return { source: 'node', kind: 'warning', text: `An HTLC transaction of the force close needs a confirmed on-chain coin to pay its fee (retried every block): ${str(event.reason)}` };
    case 'command-rejected':
      return { source: 'node', kind: 'warning', text: `${str(event.command) || 'The command'} was refused: ${str(event.reason)}` };
    case 'internal-error':
      return { source: 'node', kind: 'error', text: `Internal error: ${str(event.reason)}` };
    default:
      return null;
  }
}

export class ChannelHost {
  readonly #o: ChannelHostOptions;
  #engine: ChannelEngine | null = null;
  /** The node forwards PeerManager `remote-error`s too: take those, not the ChannelManager's copies. */
  #preciseErrors = false;
  /** The node's chain tip height (from its `tip` events), for the blocks left of a waiting output. */
  #tipHeight: number | null = null;
  /**
   * The last closing outputs seen per channel id, for an engine `closed` state that lists none:
   * since channel snapshot v6 the engine keeps a force close's final picture itself (persisted,
   * so it survives restarts); this covers channels that closed before that (in memory only).
   */
  readonly #lastOutputs = new Map<string, readonly EngineClosingOutput[]>();

  constructor(options: ChannelHostOptions) {
    this.#o = options;
  }

  /** The node to serve (null while no wallet is unlocked). */
  attach(engine: ChannelEngine | null): void {
    this.#engine = engine;
    this.#preciseErrors = false;
    this.#tipHeight = null;
    this.#lastOutputs.clear();
  }

  get attached(): boolean {
    return this.#engine !== null;
  }

  /** Channels for the UI; none while no wallet is unlocked. */
  list(): ChannelDto[] {
    return this.#engine ? this.#engine.channels().map((c) => channelDto(this.#finalPicture(c), this.#tipHeight)) : [];
  }

  async open(params: { uri: string; proxy: string | null; fundingSat: string; pushMsat: string; channelType: ChannelTypeChoice }): Promise<{ channelId: string; fundingTxid: string }> {
    const engine = this.#require();
    const uri = params.uri.trim();
    // Reach the peer first (through the proxy a browser needs), so a bad address or a refusal is
    // reported as such, before anything is asked of the wallet.
    try {
      await engine.connect(uri, params.proxy ? { proxy: params.proxy } : {});
    } catch (err) {
      const nodeId = /^([0-9a-fA-F]{66})@/.exec(uri)?.[1]?.toLowerCase();
      if (nodeId && !engine.peers?.().some((p) => p.nodeId === nodeId)) engine.disconnect?.(nodeId);
      throw asUriError(err);
    }
    const fundingSat = BigInt(params.fundingSat);
    const pushMsat = BigInt(params.pushMsat);
    try {
      return await engine.open(uri, fundingSat, {
        ...(pushMsat > 0n ? { pushMsat } : {}),
        ...(params.channelType === 'auto' ? {} : { channelType: params.channelType }),
        ...(params.proxy ? { proxy: params.proxy } : {}),
      });
    } catch (err) {
      throw asOpenError(err);
    }
  }

  async close(params: { channelId: string; force: boolean }): Promise<{ closingTxid: string }> {
    const engine = this.#require();
    const known = engine.channels().find((c) => c.channelId === params.channelId || c.temporaryChannelId === params.channelId);
    if (!known) throw new RpcValidationError('params.channelId', 'no channel with this id');
    return engine.close(known.channelId, params.force ? { force: true } : {});
  }

  /** Feed every event of the attached node here. */
  onEngineEvent(e: EngineEvent): void {
    if (e.type === 'tip' && 'height' in e && typeof e.height === 'number' && Number.isSafeInteger(e.height) && e.height >= 0) {
      this.#tipHeight = e.height;
      // A new block moves the closing outputs on (blocks left, claims confirmed): show each
      // channel that has some as it is now.
      for (const c of this.#engine?.channels() ?? []) {
        if (!c.outputs || c.outputs.length === 0) continue;
        const dto = this.#dto(c);
        if (dto) this.#o.emit({ type: 'channel.changed', channel: dto });
      }
    } else if (e.type === 'channel' && 'channel' in e && 'event' in e) {
      const dto = this.#dto(e.channel);
      if (!dto) return;
      this.#o.emit({ type: 'channel.changed', channel: dto });
      const note = noteFor(e.event);
      if (note) this.#note(dto, note);
    } else if (e.type === 'channel-usable' && 'channel' in e) {
      // Reestablished after a reconnect (no UI event of its own): show it usable again.
      const dto = this.#dto(e.channel);
      if (dto) this.#o.emit({ type: 'channel.changed', channel: dto });
    } else if ((e.type === 'peer-connected' || e.type === 'peer-disconnected') && this.#engine) {
      // Its channels' `usable` follows the connection: show them as they are now.
      const peer = e.type === 'peer-connected' ? (e as { peer?: { nodeId?: unknown } }).peer?.nodeId : (e as { nodeId?: unknown }).nodeId;
      for (const c of this.#engine.channels()) {
        if (c.peer !== peer) continue;
        const dto = this.#dto(c);
        if (dto) this.#o.emit({ type: 'channel.changed', channel: dto });
      }
    } else if (e.type === 'frozen' && 'channel' in e && 'reason' in e) {
      const dto = this.#dto(e.channel);
      if (!dto) return;
      this.#o.emit({ type: 'channel.changed', channel: dto });
      this.#note(dto, { source: 'node', kind: 'error', text: `Stopped: the store failed (${e.reason}); restart the app.` });
    } else if (e.type === 'remote-error' && 'nodeId' in e && 'channelId' in e) {
      this.#preciseErrors = true;
      this.#peerNote(e.nodeId, e.channelId, e.kind, e.text);
    } else if (e.type === 'peer-error' && 'peer' in e && 'text' in e && !this.#preciseErrors) {
      this.#peerNote(e.peer, typeof e.channelId === 'string' ? e.channelId : ALL_CHANNELS, e.kind, e.text);
    }
  }

  /** A peer's error/warning on the channel it names, or on each of its live channels (all zeros). */
  #peerNote(peer: string, channelId: string, kind: 'error' | 'warning', text: string): void {
    const engine = this.#engine;
    if (!engine) return;
    const all = channelId === ALL_CHANNELS;
    for (const c of engine.channels()) {
      if (c.peer !== peer) continue;
      if (!all && c.channelId !== channelId && c.temporaryChannelId !== channelId) continue;
      if (all && (c.state === 'closed' || c.state === 'aborted')) continue;
      const dto = this.#dto(c);
      if (dto) this.#note(dto, { source: 'peer', kind, text });
    }
  }

  #require(): ChannelEngine {
    if (this.#engine) return this.#engine;
    throw new Error('channels need an unlocked wallet: unlock it first');
  }

  #dto(c: EngineChannel): ChannelDto | null {
    try {
      return channelDto(this.#finalPicture(c), this.#tipHeight);
    } catch (err) {
      console.error('glint:', err);
      return null;
    }
  }

  /**
   * `c` with its closing outputs: remembered while it has some; once `closed` (every claim of ours
   * confirmed at CLOSING_CONFIRMATION_DEPTH, engine/channel/states/force-closing.ts `toClosed`), the
   * last ones seen, each claim shown as claimed.
   */
  #finalPicture(c: EngineChannel): EngineChannel {
    if (c.outputs && c.outputs.length > 0) {
      this.#lastOutputs.set(c.channelId, c.outputs);
      return c;
    }
    const last = c.state === 'closed' ? this.#lastOutputs.get(c.channelId) : undefined;
    if (!last) return c;
    return { ...c, outputs: last.map((o) => (o.claimTxid && o.status === 'claimable' ? { ...o, status: 'claimed' } : o)) };
  }

  #note(c: ChannelDto, note: Pick<ChannelNoteDto, 'source' | 'kind' | 'text'>): void {
    this.#o.emit({ type: 'channel.note', note: { localId: c.localId, channelId: c.channelId, peer: c.peer, ...note, text: clip(note.text || '(no text)'), at: this.#o.now() } });
  }
}

/** An engine ValidationError's field and its message without the `field: ` prefix. */
function validationParts(err: unknown): { field: string; text: string } | null {
  if (!(err instanceof Error) || err.name !== 'ValidationError') return null;
  const field = (err as { field?: unknown }).field;
  if (typeof field !== 'string') return null;
  return { field, text: err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message };
}

/** A connect failure is about the URI or the proxy when the engine says so; else it is the peer's. */
function asUriError(err: unknown): Error {
  if (err instanceof RpcValidationError) return err;
  const v = validationParts(err);
  if (v) return new RpcValidationError(/proxy/i.test(v.field) ? 'params.proxy' : 'params.uri', v.text);
  return new Error(`could not connect to the peer: ${err instanceof Error ? err.message : String(err)}`);
}

const OPEN_FIELDS: Record<string, string> = { fundingSat: 'params.fundingSat', pushMsat: 'params.pushMsat', channelType: 'params.channelType', proxy: 'params.proxy', peer: 'params.uri', uri: 'params.uri' };

/** An open failure on a parameter names it; anything else (the peer refused, the wallet cannot pay) is the form's. */
function asOpenError(err: unknown): Error {
  if (err instanceof RpcValidationError) return err;
  const v = validationParts(err);
  if (!v) return err instanceof Error ? err : new Error(String(err));
  const field = OPEN_FIELDS[v.field];
  return field ? new RpcValidationError(field, v.text) : new Error(v.text);
}
