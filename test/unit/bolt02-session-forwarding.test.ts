/**
 * BOLT 2 messages through a peer session: once init is done every channel message is forwarded as
 * a `message` event (the session does not interpret them), and a malformed one drops the peer with
 * a reason naming the field.
 */
import { describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { bytesToHex, concatBytes } from '../../engine/lib/bytes.ts';
import { PeerManager, type PeerEvent } from '../../engine/node/peer-manager.ts';
import { encodeMessage, type Message } from '../../engine/wire/message.ts';
import { CapturingLogger, flush, ManualClock, seededEntropy, socketPair } from '../harness/loopback.ts';
import { rawResponder, type RawPeer } from '../harness/raw-peer.ts';

const SECRET_A = new Uint8Array(32).fill(0x11);
const SECRET_B = new Uint8Array(32).fill(0x22);
const ID_B = bytesToHex(publicKeyOf(SECRET_B));
const point = (i: number): Uint8Array => publicKeyOf(new Uint8Array(32).fill(i));

async function rawWorld(): Promise<{ a: PeerManager; events: PeerEvent[]; raw: RawPeer }> {
  const clock = new ManualClock();
  let raw: RawPeer | undefined;
  const a = new PeerManager({
    nodeSecret: SECRET_A,
    clock,
    entropy: seededEntropy('a'),
    logger: new CapturingLogger(),
    dialer: {
      dial() {
        const [sa, sb] = socketPair();
        raw = rawResponder(sb, SECRET_B);
        return Promise.resolve(sa);
      },
    },
  });
  const events: PeerEvent[] = [];
  a.subscribe((e) => events.push(e));
  const p = a.connect(`${ID_B}@127.0.0.1:9735`);
  for (let i = 0; i < 20; i++) await clock.advance(1);
  await p;
  return { a, events, raw: raw! };
}

const CHANNEL_MESSAGES: Message[] = [
  {
    type: 'channel_reestablish',
    channelId: new Uint8Array(32).fill(1),
    nextCommitmentNumber: 1n,
    nextRevocationNumber: 0n,
    yourLastPerCommitmentSecret: new Uint8Array(32),
    myCurrentPerCommitmentPoint: point(3),
  },
  { type: 'update_fee', channelId: new Uint8Array(32).fill(1), feeratePerKw: 253 },
  { type: 'shutdown', channelId: new Uint8Array(32).fill(1), scriptpubkey: Uint8Array.of(0x51, 0x20) },
  { type: 'channel_ready', channelId: new Uint8Array(32).fill(1), secondPerCommitmentPoint: point(4), shortChannelIdAlias: 99n },
];

describe('BOLT 2 messages through the peer session', () => {
  it('forwards channel messages as message events, in order', async () => {
    const w = await rawWorld();
    for (const m of CHANNEL_MESSAGES) w.raw.send(m);
    await flush();
    const got = w.events.filter((e) => e.type === 'message');
    expect(got).toEqual(CHANNEL_MESSAGES.map((message) => ({ type: 'message', nodeId: ID_B, message })));
    expect(w.a.peers().map((p) => p.nodeId)).toEqual([ID_B]);
  });

  it('sends channel messages the peer can decode', async () => {
    const w = await rawWorld();
    for (const m of CHANNEL_MESSAGES) w.a.send(ID_B, m);
    await flush();
    expect(w.raw.received.filter((m) => m.type !== 'init' && m.type !== 'ping' && m.type !== 'pong')).toEqual(CHANNEL_MESSAGES);
  });

  it('disconnects a peer whose channel message has a point off the curve, naming the field', async () => {
    const w = await rawWorld();
    const good = encodeMessage(CHANNEL_MESSAGES[3]!);
    const bad = concatBytes(good.subarray(0, 2 + 32), Uint8Array.of(2), new Uint8Array(32), good.subarray(2 + 32 + 33));
    w.raw.sendRaw(bad);
    await flush();
    expect(w.events.find((e) => e.type === 'disconnected')).toMatchObject({
      reason: expect.stringMatching(/bad message from peer: channel_ready\.second_per_commitment_point: not a valid secp256k1 point/),
    });
    expect(w.events.some((e) => e.type === 'message')).toBe(false);
  });

  it('disconnects a peer whose channel message carries an unknown even TLV', async () => {
    const w = await rawWorld();
    w.raw.sendRaw(concatBytes(encodeMessage(CHANNEL_MESSAGES[1]!), Uint8Array.of(2, 0)));
    await flush();
    expect(w.events.find((e) => e.type === 'disconnected')).toMatchObject({
      reason: expect.stringMatching(/update_fee\.tlvs\[2\]: unknown even TLV type/),
    });
  });
});
