/**
 * Peers the user trusts for zero-conf channels (BOLT 2: the fundee "MAY set minimum_depth to zero
 * if it trusts the funder not to double-spend"; issue 4: "zero-conf channels only from peers the
 * user marked trusted"). The ChannelManager reads the set through `trustedPeers` on every step:
 * a channel a trusted peer opens to us is answered with minimum_depth 0 and is usable before its
 * funding confirms (engine/channel/states/zero-conf.ts states what that trust risks).
 *
 * Record `node/trusted-peers` v1 (inside the encrypted store): u16 count, then count × 33-byte
 * node ids, in the order they were added. Trusting a peer affects channels opened after it;
 * an open already answered keeps its minimum_depth.
 */
import { bytesToHex, hexToBytes } from '../lib/bytes.ts';
import { DecodeError, ValidationError } from '../lib/errors.ts';
import type { KVStore } from '../ports.ts';
import { RecordCodec } from '../store/records.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';

export const TRUSTED_PEERS_KEY = 'node/trusted-peers';
/** Trusted peers kept at most. */
export const MAX_TRUSTED_PEERS = 1000;

const NODE_ID = /^(02|03)[0-9a-f]{64}$/;

export const trustedPeersCodec = new RecordCodec<string[]>({
  name: TRUSTED_PEERS_KEY,
  version: 1,
  encode: (ids) => {
    const w = new ByteWriter().u16(ids.length);
    for (const id of ids) w.bytes(hexToBytes(id));
    return w.finish();
  },
  decode: (body) => {
    const r = new ByteReader(body);
    const n = r.u16('node/trusted-peers.count');
    if (n > MAX_TRUSTED_PEERS) throw new DecodeError('node/trusted-peers.count', `above ${MAX_TRUSTED_PEERS}`);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = bytesToHex(r.take(33, 'node/trusted-peers.nodeId'));
      if (!NODE_ID.test(id)) throw new DecodeError('node/trusted-peers.nodeId', 'is not a compressed public key');
      if (out.includes(id)) throw new DecodeError('node/trusted-peers.nodeId', 'listed twice');
      out.push(id);
    }
    if (!r.done) throw new DecodeError(TRUSTED_PEERS_KEY, 'trailing bytes');
    return out;
  },
});

/** Parse a node id given by the user: 33-byte compressed key, hex (any case). */
export function parseTrustedNodeId(nodeId: string): string {
  const id = typeof nodeId === 'string' ? nodeId.trim().toLowerCase() : '';
  if (!NODE_ID.test(id)) throw new ValidationError('nodeId', 'must be a 33-byte compressed public key in hex (66 characters, 02… or 03…)');
  return id;
}

/** Load, update and save the trusted set (one writer: the GlintNode that owns the store). */
export class TrustedPeers {
  private readonly store: KVStore;
  private ids: ReadonlySet<string> = new Set();

  constructor(store: KVStore) {
    this.store = store;
  }

  async load(): Promise<void> {
    const bytes = await this.store.get(TRUSTED_PEERS_KEY);
    this.ids = new Set(bytes ? trustedPeersCodec.decode(bytes) : []);
  }

  /** The live set (lowercase hex node ids). */
  get set(): ReadonlySet<string> {
    return this.ids;
  }

  list(): string[] {
    return [...this.ids];
  }

  /** Mark `nodeId` trusted or not; saved durably before it resolves. Returns the new list. */
  async setTrusted(nodeId: string, trusted: boolean): Promise<string[]> {
    const id = parseTrustedNodeId(nodeId);
    if (this.ids.has(id) === trusted) return this.list();
    const next = new Set(this.ids);
    if (trusted) next.add(id);
    else next.delete(id);
    if (next.size > MAX_TRUSTED_PEERS) throw new ValidationError('nodeId', `at most ${MAX_TRUSTED_PEERS} trusted peers`);
    await this.store.write({ put: [[TRUSTED_PEERS_KEY, trustedPeersCodec.encode([...next])]] });
    this.ids = next;
    return this.list();
  }
}
