/**
 * Valid inputs the fuzz targets start from: the spec vectors in test/vectors, the channel snapshot
 * fixtures, and what the real codecs write during a channel pair run (test/harness/channel-pair.ts:
 * every BOLT 2 message of an open, two HTLCs, a fulfill and a close; every snapshot both sides
 * passed through; the revoked-commitment records). Built once, on first use.
 */
import { readFileSync } from 'node:fs';
import { ChannelPair } from '../harness/channel-pair.ts';
import { encodeChannelState, decodeChannelState } from '../../engine/channel/codec.ts';
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { encodeMessage } from '../../engine/wire/message.ts';

export function vector<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

function channelFixtures(name: string): Uint8Array[] {
  const o = JSON.parse(readFileSync(new URL(`../unit/channel/fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, string>;
  return Object.values(o).map(hexToBytes);
}

export interface PairCorpus {
  readonly messages: Uint8Array[];
  readonly snapshots: Uint8Array[];
  readonly revoked: Uint8Array[];
}

let pairCorpus: PairCorpus | undefined;

/** One channel pair run: open, an HTLC each way, a fulfill, a fail, reconnect, cooperative close. */
export function pairRun(): PairCorpus {
  if (pairCorpus) return pairCorpus;
  const p = new ChannelPair();
  p.openToNormal();
  const first = p.addHtlc('A', 5_000_000n, { n: 1 });
  p.run();
  p.addHtlc('B', 3_000_000n, { n: 2 });
  p.run();
  p.step('B', { type: 'fulfill-htlc', htlcId: 0n, paymentPreimage: first.preimage });
  p.run();
  p.step('A', { type: 'fail-htlc', htlcId: 0n, reason: new Uint8Array(32) });
  p.run();
  p.reconnect();
  p.step('A', { type: 'close', scriptPubKey: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7)) });
  p.run(500);
  const messages = [...p.a.sent, ...p.b.sent].map(encodeMessage);
  const snapshots = [...p.a.states, ...p.b.states].map(encodeChannelState);
  const revoked = [...p.a.revokedRecords.values(), ...p.b.revokedRecords.values()];
  pairCorpus = { messages, snapshots, revoked };
  return pairCorpus;
}

/** Channel snapshots: the v1–v3 fixtures as written then, and the same states re-encoded as v5. */
export function snapshotSeeds(): Uint8Array[] {
  const old = [...channelFixtures('channel-snapshots-v1.json'), ...channelFixtures('channel-snapshots-v2-scid.json'), ...channelFixtures('channel-snapshots-v3.json')];
  return [...old, ...old.map((b) => encodeChannelState(decodeChannelState(b))), ...pairRun().snapshots];
}
