/**
 * The node's address book: how to reach each peer we dialled (its `pubkey@host:port` or
 * `pubkey@ws(s)://…` URI and the proxy used), so a restarted node can reconnect to the peers of its
 * channels (BOLT 2 channel_reestablish needs a connection; a channel peer is not in any gossip).
 *
 * Record `node/peers` v1 (inside the encrypted store): u16 count, then per peer: 33-byte node id,
 * u16 length + ASCII URI, u16 length + ASCII proxy ('' = none); least recently dialled first.
 */
import { bytesToHex } from '../lib/bytes.ts';
import { DecodeError } from '../lib/errors.ts';
import { formatPeerAddress, parsePeerUri } from '../peer/address.ts';
import type { KVStore } from '../ports.ts';
import { RecordCodec } from '../store/records.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';

export const PEER_BOOK_KEY = 'node/peers';
/** Peers kept at most (the least recently dialled go first). */
export const MAX_PEER_BOOK = 1000;

export interface PeerBookEntry {
  /** Node id, hex. */
  readonly nodeId: string;
  /** `pubkey@host:port` or `pubkey@ws(s)://…`, normalised by parsePeerUri/formatPeerAddress. */
  readonly uri: string;
  readonly proxy?: string;
}

function ascii(text: string, field: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new DecodeError(field, 'must be printable ASCII');
    out[i] = c;
  }
  return out;
}

/** Stored text that must be printable ASCII (a peer URI, a proxy URL); DecodeError naming `field` otherwise. Also read by backup-codec.ts. */
export function fromAscii(bytes: Uint8Array, field: string): string {
  let s = '';
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e) throw new DecodeError(field, 'must be printable ASCII');
    s += String.fromCharCode(b);
  }
  return s;
}

export const peerBookCodec = new RecordCodec<PeerBookEntry[]>({
  name: PEER_BOOK_KEY,
  version: 1,
  encode: (entries) => {
    const w = new ByteWriter().u16(entries.length);
    for (const e of entries) {
      const addr = parsePeerUri(e.uri);
      w.bytes(addr.nodeId).u16Prefixed(ascii(e.uri, 'node/peers.uri')).u16Prefixed(ascii(e.proxy ?? '', 'node/peers.proxy'));
    }
    return w.finish();
  },
  decode: (body) => {
    const r = new ByteReader(body);
    const n = r.u16('node/peers.count');
    const out: PeerBookEntry[] = [];
    for (let i = 0; i < n; i++) {
      const nodeId = bytesToHex(r.take(33, 'node/peers.nodeId'));
      const uri = fromAscii(r.u16Prefixed('node/peers.uri'), 'node/peers.uri');
      const proxy = fromAscii(r.u16Prefixed('node/peers.proxy'), 'node/peers.proxy');
      if (parsePeerUri(uri).nodeIdHex !== nodeId) throw new DecodeError('node/peers.uri', 'does not name the entry node id');
      out.push({ nodeId, uri, ...(proxy !== '' ? { proxy } : {}) });
    }
    if (!r.done) throw new DecodeError(PEER_BOOK_KEY, 'trailing bytes');
    return out;
  },
});

/** Load, update and save the address book (one writer: the GlintNode that owns the store). */
export class PeerBook {
  private readonly store: KVStore;
  private entries = new Map<string, PeerBookEntry>();

  constructor(store: KVStore) {
    this.store = store;
  }

  async load(): Promise<void> {
    const bytes = await this.store.get(PEER_BOOK_KEY);
    this.entries = new Map((bytes ? peerBookCodec.decode(bytes) : []).map((e) => [e.nodeId, e]));
  }

  get(nodeId: string): PeerBookEntry | undefined {
    return this.entries.get(nodeId);
  }

  list(): PeerBookEntry[] {
    return [...this.entries.values()];
  }

  /** Remember how `uri` was reached (saved durably before it resolves; unchanged entries cost nothing). */
  async remember(uri: string, proxy: string | undefined): Promise<void> {
    const addr = parsePeerUri(uri);
    const entry: PeerBookEntry = { nodeId: addr.nodeIdHex, uri: formatPeerAddress(addr), ...(proxy !== undefined && proxy !== '' ? { proxy } : {}) };
    const old = this.entries.get(entry.nodeId);
    if (old && old.uri === entry.uri && old.proxy === entry.proxy) return;
    const next = new Map(this.entries);
    next.delete(entry.nodeId);
    next.set(entry.nodeId, entry);
    while (next.size > MAX_PEER_BOOK) next.delete(next.keys().next().value as string);
    await this.store.write({ put: [[PEER_BOOK_KEY, peerBookCodec.encode([...next.values()])]] });
    this.entries = next;
  }
}
