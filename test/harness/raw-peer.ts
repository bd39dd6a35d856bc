/**
 * A scripted peer for hostile-input tests: it completes BOLT 8 and `init` like a real node, then
 * lets the test write any plaintext message bytes it likes (unknown types, malformed fields).
 */
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { GLINT_INIT_FEATURES } from '../../engine/peer/features.ts';
import type { Socket } from '../../engine/ports.ts';
import { NoiseSession } from '../../engine/transport/index.ts';
import { decodeMessage, encodeMessage, type Message } from '../../engine/wire/message.ts';

export interface RawPeer {
  readonly nodeIdHex: string;
  /** Decoded messages received from the engine, in order. */
  readonly received: Message[];
  /** Encrypt and send arbitrary plaintext message bytes (2-byte type + payload). */
  sendRaw(plaintext: Uint8Array): void;
  send(message: Message): void;
  readonly closed: boolean;
}

/** Act as the BOLT 8 responder on `socket` with static key `secret`, answering init with ours. */
export function rawResponder(socket: Socket, secret: Uint8Array): RawPeer {
  const pub = publicKeyOf(secret);
  const noise = NoiseSession.responder({ localStaticSecret: secret, localStaticPublic: pub, ephemeralSecret: new Uint8Array(32).fill(0x5a) });
  const received: Message[] = [];
  let closed = false;
  let sentInit = false;
  socket.start({
    data(bytes) {
      const out = noise.receive(bytes);
      for (const b of out.send) socket.write(b);
      if (noise.ready && !sentInit) {
        sentInit = true;
        socket.write(noise.encrypt(encodeMessage({ type: 'init', globalFeatures: new Uint8Array(0), features: GLINT_INIT_FEATURES.toBytes() })));
      }
      for (const m of out.messages) {
        const d = decodeMessage(m);
        if (d.kind === 'known') received.push(d.message);
      }
    },
    closed() {
      closed = true;
    },
  });
  return {
    nodeIdHex: [...pub].map((b) => b.toString(16).padStart(2, '0')).join(''),
    received,
    sendRaw: (plaintext) => socket.write(noise.encrypt(plaintext)),
    send: (message) => socket.write(noise.encrypt(encodeMessage(message))),
    get closed() {
      return closed;
    },
  };
}
