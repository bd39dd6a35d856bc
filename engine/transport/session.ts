/**
 * A BOLT 8 connection as a sans-I/O state machine: bytes from the socket in, bytes to write and
 * decrypted Lightning messages out. Chunk boundaries mean nothing; an act, a length header or a
 * body may arrive split across any number of `receive` calls, or many of them in one call.
 *
 * Buffering: a unit (act, 18-byte header, or body + MAC) that lies entirely inside one chunk is
 * processed in place, without copying. Only a unit split across chunks is gathered, once, into a
 * scratch buffer sized for that unit, so at most one frame (18 + 65535 + 16 bytes) is ever held.
 */
import { publicKeyOf } from '../crypto/secp256k1.ts';
import { CipherState } from './cipher.ts';
import { TransportError } from './errors.ts';
import {
  ACT1_LENGTH,
  ACT2_LENGTH,
  ACT3_LENGTH,
  initHandshake,
  readAct1,
  readAct2,
  readAct3,
  writeAct1,
  writeAct2,
  writeAct3,
  type HandshakeState,
} from './handshake.ts';

/** BOLT 8 "Lightning Message Specification": the largest message is 65535 bytes. */
export const MAX_MESSAGE_LENGTH = 65535;
/** Encrypted 2-byte length plus its MAC. */
export const LENGTH_HEADER_LENGTH = 18;
export const MAC_LENGTH = 16;
/** The largest frame on the wire. */
export const MAX_FRAME_LENGTH = LENGTH_HEADER_LENGTH + MAX_MESSAGE_LENGTH + MAC_LENGTH;

/** Our keys for one connection. The ephemeral secret must be fresh randomness for every connection. */
export interface NoiseKeys {
  localStaticSecret: Uint8Array;
  localStaticPublic: Uint8Array;
  ephemeralSecret: Uint8Array;
}

type Stage = 'act1' | 'act2' | 'act3' | 'header' | 'body' | 'dead';

const EMPTY = new Uint8Array(0);

export class NoiseSession {
  #stage: Stage;
  #need: number;
  #keys: NoiseKeys;
  #ephemeralPublic: Uint8Array;
  #hs: HandshakeState | undefined;
  readonly #initiator: boolean;
  #remoteStatic: Uint8Array | undefined;
  #act1: Uint8Array | undefined;
  #started = false;
  #send: CipherState | undefined;
  #recv: CipherState | undefined;
  #failure: TransportError | undefined;
  /** Gathers a unit that arrived split across chunks; `#filled` bytes of `#need` are present. */
  #scratch: Uint8Array = EMPTY;
  #filled = 0;

  private constructor(keys: NoiseKeys, remoteStaticPublic: Uint8Array | undefined) {
    this.#keys = {
      localStaticSecret: keys.localStaticSecret.slice(),
      localStaticPublic: keys.localStaticPublic.slice(),
      ephemeralSecret: keys.ephemeralSecret.slice(),
    };
    this.#ephemeralPublic = publicKeyOf(this.#keys.ephemeralSecret);
    this.#initiator = remoteStaticPublic !== undefined;
    if (remoteStaticPublic !== undefined) {
      // Initiator: act 1 is computed now, so a bad `rs` fails here, and `rs` is parsed only once.
      this.#remoteStatic = remoteStaticPublic.slice();
      const a1 = writeAct1(initHandshake(this.#remoteStatic), this.#keys.ephemeralSecret, this.#ephemeralPublic, this.#remoteStatic);
      this.#act1 = a1.act;
      this.#hs = a1.state;
      this.#stage = 'act2';
      this.#need = ACT2_LENGTH;
    } else {
      this.#hs = initHandshake(this.#keys.localStaticPublic);
      this.#stage = 'act1';
      this.#need = ACT1_LENGTH;
    }
  }

  /** We dial: we know the peer's node id (`rs`), and send act 1. Throws ValidationError on a bad `rs`. */
  static initiator(keys: NoiseKeys, remoteStaticPublic: Uint8Array): NoiseSession {
    return new NoiseSession(keys, remoteStaticPublic);
  }

  /** The peer dialed us: we wait for act 1 and learn its node id from act 3. */
  static responder(keys: NoiseKeys): NoiseSession {
    return new NoiseSession(keys, undefined);
  }

  /** Bytes to send right away: act 1 (50 bytes) for an initiator, empty for a responder. Call once. */
  start(): Uint8Array {
    if (this.#started) throw new Error('NoiseSession.start() called twice');
    this.#started = true;
    const act1 = this.#act1 ?? EMPTY;
    this.#act1 = undefined;
    return act1;
  }

  /** Handshake complete: `encrypt` may be used and `receive` yields messages. */
  get ready(): boolean {
    return this.#send !== undefined && this.#stage !== 'dead';
  }

  /** The peer's node id: known to the initiator from the start, to the responder after act 3. */
  get remoteStaticPublic(): Uint8Array | undefined {
    return this.#remoteStatic?.slice();
  }

  /**
   * Feed bytes received from the socket. Returns bytes to send (act 2 for a responder, act 3 for an
   * initiator: write them before any frame from `encrypt`) and every complete decrypted message, in
   * order. Throws `TransportError` on any failure; the session is dead afterwards and every later
   * call throws the same error.
   */
  receive(bytes: Uint8Array): { send: Uint8Array[]; messages: Uint8Array[] } {
    if (this.#failure) throw this.#failure;
    if (this.#initiator && !this.#started) {
      throw new Error('NoiseSession.receive() before start() on an initiator');
    }
    const send: Uint8Array[] = [];
    const messages: Uint8Array[] = [];
    try {
      let offset = 0;
      const end = bytes.length;
      for (;;) {
        const need = this.#need;
        let unit: Uint8Array;
        if (this.#filled === 0 && end - offset >= need) {
          unit = bytes.subarray(offset, offset + need);
          offset += need;
        } else {
          const take = Math.min(need - this.#filled, end - offset);
          if (take === 0) break;
          if (this.#scratch.length < need) this.#grow(need);
          this.#scratch.set(bytes.subarray(offset, offset + take), this.#filled);
          this.#filled += take;
          offset += take;
          if (this.#filled < need) break;
          unit = this.#scratch.subarray(0, need);
          this.#filled = 0;
        }
        this.#step(unit, send, messages);
      }
    } catch (err) {
      this.#die(err instanceof TransportError ? err : new TransportError(`transport: ${String(err)}`));
      throw err;
    }
    return { send, messages };
  }

  /**
   * The socket closed. Throws `TransportError` if it closed in the middle of an act or a frame
   * (BOLT 8 "ACTn_READ_FAILED": a short read), or before the handshake finished.
   */
  end(): void {
    if (this.#failure) throw this.#failure;
    const stage = this.#stage;
    if (stage === 'act1' || stage === 'act2' || stage === 'act3') {
      this.#die(new TransportError(`${stage}: connection ended after ${this.#filled} of ${this.#need} bytes`, stage));
    } else if (this.#filled > 0 || stage === 'body') {
      this.#die(new TransportError('message: connection ended in the middle of a frame', 'message'));
    }
    if (this.#failure) throw this.#failure;
  }

  /**
   * BOLT 8 "Encrypting and Sending Messages": `lc = encryptWithAD(sk, sn, "", len(m))`, then
   * `c = encryptWithAD(sk, sn, "", m)`; returns `lc || c` (18 + len + 16 bytes). Throws RangeError
   * for a message over 65535 bytes.
   */
  encrypt(message: Uint8Array): Uint8Array {
    if (this.#failure) throw this.#failure;
    const cs = this.#send;
    if (cs === undefined) throw new Error('NoiseSession.encrypt() before the handshake completed');
    const len = message.length;
    if (len > MAX_MESSAGE_LENGTH) throw new RangeError(`message too long: ${len} bytes (max ${MAX_MESSAGE_LENGTH})`);
    const lc = cs.encrypt(Uint8Array.of(len >>> 8, len & 0xff));
    const c = cs.encrypt(message);
    const frame = new Uint8Array(LENGTH_HEADER_LENGTH + c.length);
    frame.set(lc, 0);
    frame.set(c, LENGTH_HEADER_LENGTH);
    return frame;
  }

  /** Grow the scratch buffer to hold `need` bytes (never beyond one frame), keeping its contents. */
  #grow(need: number): void {
    const grown = new Uint8Array(Math.max(need, Math.min(2 * this.#scratch.length, MAX_FRAME_LENGTH)));
    grown.set(this.#scratch.subarray(0, this.#filled));
    this.#scratch = grown;
  }

  #die(err: TransportError): void {
    this.#failure = err;
    this.#stage = 'dead';
    this.#hs = undefined;
    this.#send = undefined;
    this.#recv = undefined;
    this.#scratch = EMPTY;
    this.#filled = 0;
  }

  /** Process one complete unit (an act, a length header, or a body with its MAC). */
  #step(unit: Uint8Array, send: Uint8Array[], messages: Uint8Array[]): void {
    switch (this.#stage) {
      case 'header': {
        const l = (this.#recv as CipherState).decrypt(unit);
        if (l === undefined) throw new TransportError('message length MAC failed', 'message');
        this.#need = (((l[0] as number) << 8) | (l[1] as number)) + MAC_LENGTH;
        this.#stage = 'body';
        return;
      }
      case 'body': {
        const m = (this.#recv as CipherState).decrypt(unit);
        if (m === undefined) throw new TransportError('message body MAC failed', 'message');
        messages.push(m);
        this.#need = LENGTH_HEADER_LENGTH;
        this.#stage = 'header';
        return;
      }
      case 'act1': {
        const r1 = readAct1(this.#hs as HandshakeState, this.#keys.localStaticSecret, unit);
        const a2 = writeAct2(r1.state, this.#keys.ephemeralSecret, this.#ephemeralPublic, r1.remoteEphemeral);
        send.push(a2.act);
        this.#hs = a2.state;
        this.#stage = 'act3';
        this.#need = ACT3_LENGTH;
        return;
      }
      case 'act2': {
        const r2 = readAct2(this.#hs as HandshakeState, this.#keys.ephemeralSecret, unit);
        const a3 = writeAct3(r2.state, this.#keys.localStaticSecret, this.#keys.localStaticPublic, r2.remoteEphemeral);
        send.push(a3.act);
        this.#established(a3.keys.sk, a3.keys.rk, a3.keys.ck);
        return;
      }
      case 'act3': {
        const r3 = readAct3(this.#hs as HandshakeState, this.#keys.ephemeralSecret, unit);
        this.#remoteStatic = r3.remoteStaticPublic;
        this.#established(r3.keys.sk, r3.keys.rk, r3.keys.ck);
        return;
      }
      case 'dead':
        throw this.#failure ?? new TransportError('session is closed');
    }
  }

  #established(sk: Uint8Array, rk: Uint8Array, ck: Uint8Array): void {
    this.#send = new CipherState(sk, ck);
    this.#recv = new CipherState(rk, ck);
    this.#hs = undefined;
    this.#keys.ephemeralSecret.fill(0);
    this.#stage = 'header';
    this.#need = LENGTH_HEADER_LENGTH;
  }
}
