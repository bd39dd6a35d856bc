/**
 * Fuzz targets for what a peer sends (BOLT 1 wire messages, TLV streams, BigSize, feature bits;
 * BOLT 4 onions, hop payloads and failure packets) and what a payer pastes (BOLT 11 invoices,
 * BIP 21 / `lightning:` texts, LNURL and Lightning Addresses). Each names the error class its
 * decoder documents; anything else thrown is a crash.
 */
import { bech32 } from '@scure/base';
import { ecdh, publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { DecodeError } from '../../engine/lib/errors.ts';
import { hmacSha256 } from '../../engine/crypto/hash.ts';
import { bytesToHex, concatBytes, hexToBytes } from '../../engine/lib/bytes.ts';
import { onionKey, pseudoRandomStream, xorInto, xorWithStream } from '../../engine/onion/keys.ts';
import { decodeInvoice, InvoiceError, parsePaymentText, recognizeLnurl } from '../../engine/invoice/index.ts';
import {
  HOP_PAYLOADS_SIZE,
  ONION_PACKET_SIZE,
  badOnion,
  buildOnion,
  channelDisabled,
  decodeFailurePacket,
  decodeHopPayload,
  encodeFailureMessage,
  feeInsufficient,
  incorrectCltvExpiry,
  incorrectOrUnknownPaymentDetails,
  invalidOnionPayload,
  peelOnion,
  permanentChannelFailure,
  temporaryChannelFailure,
  wrapFailurePacket,
} from '../../engine/onion/index.ts';
import { FeatureVector, checkPeerFeatures, missingDependency } from '../../engine/wire/features.ts';
import { decodeMessage, encodeMessage } from '../../engine/wire/message.ts';
import { ByteReader } from '../../engine/wire/reader.ts';
import { decodeTlvStream } from '../../engine/wire/tlv.ts';
import { pairRun, vector } from './corpus.ts';
import { mutateBytes, type Rng } from './mutate.ts';
import type { FuzzTarget } from './runner.ts';

const isDecodeError = (err: unknown): boolean => err instanceof DecodeError;
const isInvoiceError = (err: unknown): boolean => err instanceof InvoiceError;
const never = (): boolean => false;

interface TlvVectors {
  valid: { stream: string }[];
  invalid: { stream: string }[];
}

const onionVector = vector<{ onion: string; decode: string[]; generate: { associated_data: string; hops: { pubkey: string; payload: string }[] } }>('bolt04-onion-test.json');
const errorVector = vector<{ errorpacket: string; generate: { hops: { hop_shared_secret: string }[] } }>('bolt04-onion-error-test.json');
const ONION_KEYS = onionVector.decode.map(hexToBytes);
const ASSOCIATED_DATA = hexToBytes(onionVector.generate.associated_data);
const SHARED_SECRETS = errorVector.generate.hops.map((h) => hexToBytes(h.hop_shared_secret));

function setupMessages(): Uint8Array[] {
  return [
    encodeMessage({ type: 'init', globalFeatures: new Uint8Array(0), features: FeatureVector.fromBits([0, 9, 12, 14, 17, 23, 27, 45, 47, 51]).toBytes(), networks: [new Uint8Array(32).fill(6)], remoteAddress: Uint8Array.of(1, 127, 0, 0, 1, 0x26, 0x07) }),
    encodeMessage({ type: 'error', channelId: new Uint8Array(32), data: new TextEncoder().encode('internal error') }),
    encodeMessage({ type: 'warning', channelId: new Uint8Array(32).fill(1), data: new TextEncoder().encode('bad fee') }),
    encodeMessage({ type: 'ping', numPongBytes: 16, ignoredLength: 4 }),
    encodeMessage({ type: 'pong', ignoredLength: 16 }),
    ...vector<{ valid: { message: string }[]; invalid: { message: string }[] }>('bolt01-message-extension.json').valid.map((v) => hexToBytes(v.message)),
  ];
}

/** The rest of BOLT 2 (not in the pair run: update_fee, update_fail_malformed_htlc) and BOLT 7 gossip types (known, passed on undecoded). */
function moreMessages(): Uint8Array[] {
  const id = new Uint8Array(32).fill(3);
  const gossip = [256, 257, 258, 259, 261, 262, 263, 264, 265].map((t) => Uint8Array.of(t >> 8, t & 0xff, ...new Uint8Array(t - 200).fill(t & 0xff)));
  return [
    encodeMessage({ type: 'update_fee', channelId: id, feeratePerKw: 2500 }),
    encodeMessage({ type: 'update_fail_malformed_htlc', channelId: id, htlcId: 7n, sha256OfOnion: new Uint8Array(32).fill(9), failureCode: 0x8000 | 0x4000 | 5 }),
    ...gossip,
    Uint8Array.of(0x80, 0x01, 1, 2, 3),
  ];
}

const TLV_KNOWN = new Set([0n, 1n, 2n, 3n, 11n, 254n]);

/** The onion packets of the vector route, one per hop, each with the key that peels it. */
function onionChain(): Uint8Array[] {
  const out: Uint8Array[] = [];
  let packet: Uint8Array = hexToBytes(onionVector.onion);
  for (const key of ONION_KEYS) {
    out.push(packet);
    const peeled = peelOnion(packet, ASSOCIATED_DATA, (p) => ecdh(key, p));
    if (peeled.kind !== 'forward') break;
    packet = peeled.nextPacket;
  }
  return out;
}

const EPHEMERAL_TO_KEY = new Map<string, Uint8Array>();
function keyFor(packet: Uint8Array): Uint8Array {
  if (EPHEMERAL_TO_KEY.size === 0) {
    const chain = onionChain();
    chain.forEach((p, i) => EPHEMERAL_TO_KEY.set(bytesToHex(p.subarray(1, 34)), ONION_KEYS[i] as Uint8Array));
  }
  return EPHEMERAL_TO_KEY.get(bytesToHex(packet.subarray(1, 34))) ?? (ONION_KEYS[0] as Uint8Array);
}

/**
 * ECDH results by (node key, ephemeral key): most mutated onions keep the ephemeral key of their
 * seed, so the point multiplication is done once per distinct key, not once per input. Bounded:
 * cleared when full. A point that fails ECDH is cached as the error, thrown again.
 */
const ECDH_CACHE = new Map<string, Uint8Array | Error>();
function cachedEcdh(key: Uint8Array, point: Uint8Array): Uint8Array {
  const id = `${key[0]}.${key[31]}:${bytesToHex(point)}`;
  let hit = ECDH_CACHE.get(id);
  if (hit === undefined) {
    try {
      hit = ecdh(key, point);
    } catch (err) {
      hit = err instanceof Error ? err : new Error(String(err));
    }
    if (ECDH_CACHE.size >= 50_000) ECDH_CACHE.clear();
    ECDH_CACHE.set(id, hit);
  }
  if (hit instanceof Error) throw hit;
  return hit;
}

/** The vector route's hop payloads (the vector gives each with its BigSize length first). */
const HOP_PAYLOADS: readonly Uint8Array[] = onionVector.generate.hops.map((h) => {
  const raw = hexToBytes(h.payload);
  const r = new ByteReader(raw);
  const len = Number(r.bigsize('len'));
  return raw.subarray(r.offset, r.offset + len);
});

const HOP0_ID = publicKeyOf(ONION_KEYS[0] as Uint8Array);

interface Sealer {
  readonly ephemeralKey: Uint8Array;
  readonly rho: Uint8Array;
  readonly mu: Uint8Array;
}
let sealers: Sealer[] | undefined;

/**
 * A few session keys for onions to hop 0, each with its ephemeral key and hop 0's rho stream and
 * mu key (BOLT 4 "Key Generation"), worked out once: `sealToHop0` then builds a valid onion for any
 * payload with no elliptic-curve work (one ChaCha20 stream XOR and one HMAC).
 */
function hop0Sealers(): Sealer[] {
  if (sealers) return sealers;
  sealers = [];
  for (let k = 1; k <= 8; k++) {
    const sessionKey = new Uint8Array(32).fill(k);
    const ephemeralKey = publicKeyOf(sessionKey);
    const ss = cachedEcdh(ONION_KEYS[0] as Uint8Array, ephemeralKey);
    // The same secret buildOnion derives (cross-checked against it once).
    const built = buildOnion([{ nodeId: HOP0_ID, payload: Uint8Array.of(2, 2, 0, 1) }], sessionKey, ASSOCIATED_DATA);
    if (bytesToHex(built.sharedSecrets[0] as Uint8Array) !== bytesToHex(ss)) throw new Error('fuzz: hop 0 shared secret does not match buildOnion');
    sealers.push({ ephemeralKey, rho: pseudoRandomStream(onionKey('rho', ss), HOP_PAYLOADS_SIZE), mu: onionKey('mu', ss) });
  }
  return sealers;
}

/**
 * BOLT 4 "Packet Construction" for hop 0 alone: `bigsize(len) · payload · next HMAC` then random
 * filler, XORed with hop 0's rho stream, under hop 0's mu HMAC. A zero next HMAC makes hop 0 the
 * final hop; a non-zero one makes it forward (peel then blinds the ephemeral key: one point
 * multiplication).
 */
function sealToHop0(rng: Rng, payload: Uint8Array, forward: boolean): Uint8Array {
  const s = rng.pick(hop0Sealers());
  const mix = rng.bytes(HOP_PAYLOADS_SIZE);
  const length = payload.length < 0xfd ? Uint8Array.of(payload.length) : Uint8Array.of(0xfd, payload.length >> 8, payload.length & 0xff);
  const body = concatBytes(length, payload, forward ? rng.bytes(32) : new Uint8Array(32));
  mix.set(body.subarray(0, HOP_PAYLOADS_SIZE));
  xorInto(mix, s.rho);
  const packet = new Uint8Array(ONION_PACKET_SIZE);
  packet.set(s.ephemeralKey, 1);
  packet.set(mix, 34);
  packet.set(hmacSha256(s.mu, concatBytes(mix, ASSOCIATED_DATA)), 34 + HOP_PAYLOADS_SIZE);
  return packet;
}

/** An onion to hop 0 whose (valid-HMAC) payload is a mutated vector payload: reaches payload decoding. */
function onionWithPayload(rng: Rng, _input: Uint8Array, _seeds: readonly Uint8Array[]): Uint8Array {
  const base = rng.pick(HOP_PAYLOADS);
  let payload: Uint8Array = rng.chance(0.5) ? base.slice() : base.slice(0, 2 + rng.below(Math.max(1, base.length - 1)));
  for (let k = rng.below(4); k > 0; k--) payload[rng.below(payload.length)] = rng.u32() & 0xff;
  if (rng.chance(0.1)) payload = rng.bytes(rng.below(1300));
  return sealToHop0(rng, payload, rng.chance(0.15));
}

/** Failure messages of every shape the origin reads: plain codes, with data, with a channel_update. */
function failureMessages(): Uint8Array[] {
  const update = new Uint8Array(136).fill(0x42);
  update.set([0x01, 0x02], 0);
  return [
    hexToBytes('2002'),
    incorrectOrUnknownPaymentDetails(1000n, 800_000),
    temporaryChannelFailure(update),
    feeInsufficient(5000n, update),
    incorrectCltvExpiry(144, update),
    channelDisabled(update),
    invalidOnionPayload(2n, 5),
    badOnion(0x8000 | 0x4000 | 5, new Uint8Array(32).fill(7)),
    permanentChannelFailure(),
  ].map((f) => (f instanceof Uint8Array ? f : encodeFailureMessage(f)));
}

/**
 * BOLT 4 "Returning Errors" for a raw failuremsg: hop `h` pads it, MACs it with its um key and
 * obfuscates it, then each hop before it wraps it with its ammag stream. The origin's HMAC check
 * passes at hop `h`, so the failure message decoder gets the (mutated) bytes.
 */
function sealFailure(h: number, message: Uint8Array, padLength: number): Uint8Array {
  const ss = SHARED_SECRETS[h] as Uint8Array;
  const body = new Uint8Array(4 + message.length + padLength);
  body.set([message.length >> 8, message.length & 0xff], 0);
  body.set(message, 2);
  body.set([padLength >> 8, padLength & 0xff], 2 + message.length);
  let packet = xorWithStream(onionKey('ammag', ss), concatBytes(hmacSha256(onionKey('um', ss), body), body));
  for (let j = h - 1; j >= 0; j--) packet = wrapFailurePacket(SHARED_SECRETS[j] as Uint8Array, packet);
  return packet;
}

function failureSeeds(): Uint8Array[] {
  const messages = failureMessages();
  return [hexToBytes(errorVector.errorpacket), ...messages.map((m, i) => sealFailure(i % SHARED_SECRETS.length, m, Math.max(0, 256 - m.length)))];
}

function resealedFailure(rng: Rng, _input: Uint8Array, _seeds: readonly Uint8Array[]): Uint8Array {
  const messages = failureMessages();
  let m = rng.pick(messages);
  for (let k = rng.below(3); k > 0; k--) m = mutateBytes(rng, m, messages, 600);
  const pad = rng.chance(0.8) ? Math.max(0, 256 - m.length) : rng.below(300);
  return sealFailure(rng.below(SHARED_SECRETS.length), m.subarray(0, 0xffff), pad);
}

/** A BOLT 11 string with mutated 5-bit words and a recomputed checksum: reaches tag parsing and the signature. */
function rechecksummed(rng: Rng, input: string): string {
  try {
    const { prefix, words } = bech32.decode(input.toLowerCase() as `${string}1${string}`, false);
    const w = [...words];
    for (let k = 1 + rng.below(4); k > 0; k--) {
      const op = rng.below(4);
      const at = rng.below(w.length + 1);
      if (op === 0 && w.length > 0) w[Math.min(at, w.length - 1)] = rng.below(32);
      else if (op === 1) w.splice(at, 0, ...Array.from({ length: 1 + rng.below(10) }, () => rng.below(32)));
      else if (op === 2) w.splice(at, 1 + rng.below(10));
      else w.splice(at, 0, rng.below(32), rng.below(32), rng.below(32)); // a tag header
    }
    const hrp = rng.chance(0.2) ? rng.pick(['lnbc', 'lntb', 'lnbcrt', 'lntbs', 'lnbc1', 'lnbc20m', 'lnbc2500u', 'lnbc9678785340p', 'lnbc0', 'lnbc1000000000000']) : prefix;
    return bech32.encode(hrp, w, false);
  } catch {
    return input;
  }
}

const INVOICES = vector<{ valid: { invoice: string }[]; invalid: { invoice: string }[] }>('bolt11-invoices.json');
const INVOICE_TEXTS = [...INVOICES.valid, ...INVOICES.invalid].map((v) => v.invoice);

export const PROTOCOL_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'wire-message',
    description: 'BOLT 1/2/7 message decode (every known type, gossip types, unknown odd/even types)',
    kind: 'bytes',
    seeds: () => [...setupMessages(), ...moreMessages(), ...pairRun().messages],
    run: (b) => void decodeMessage(b),
    expected: isDecodeError,
    maxLength: 70_000,
  },
  {
    name: 'wire-tlv',
    description: 'BOLT 1 TLV stream decode (ordering, canonical BigSize, unknown even types)',
    kind: 'bytes',
    seeds: () => {
      const v = vector<TlvVectors>('bolt01-tlv.json');
      return [...v.valid, ...v.invalid].map((x) => hexToBytes(x.stream));
    },
    run: (b) => void decodeTlvStream(b, TLV_KNOWN),
    expected: isDecodeError,
  },
  {
    name: 'wire-bigsize',
    description: 'BOLT 1 BigSize reads until the input is used up',
    kind: 'bytes',
    seeds: () => vector<{ decoding: { bytes: string }[] }>('bolt01-bigsize.json').decoding.map((d) => hexToBytes(d.bytes)),
    run: (b) => {
      const r = new ByteReader(b);
      while (!r.done) r.bigsize('bigsize');
    },
    expected: isDecodeError,
    maxLength: 64,
  },
  {
    name: 'wire-features',
    description: 'BOLT 9 feature bits from a peer: parse, dependency and compatibility checks',
    kind: 'bytes',
    seeds: () => [FeatureVector.fromBits([0, 9, 12, 14, 17, 23, 27, 45, 47, 51]).toBytes(), Uint8Array.of(0x02, 0xa2), new Uint8Array(0)],
    run: (b) => {
      const v = FeatureVector.fromBytes(b);
      missingDependency(v);
      checkPeerFeatures(FeatureVector.fromBits([1, 9, 13, 15, 17, 23, 27, 45, 47, 51]), v);
    },
    expected: never,
    maxLength: 1024,
  },
  {
    name: 'onion-peel',
    description: 'BOLT 4 onion peel with our node key (never throws: malformed / bad-payload results)',
    kind: 'bytes',
    seeds: onionChain,
    run: (b) => {
      const key = keyFor(b);
      void peelOnion(b, ASSOCIATED_DATA, (p) => cachedEcdh(key, p));
    },
    expected: never,
    mutate: onionWithPayload,
    maxLength: 1400,
  },
  {
    name: 'onion-payload',
    description: 'BOLT 4 hop payload TLV decode (intermediate and final)',
    kind: 'bytes',
    seeds: () => HOP_PAYLOADS,
    run: (b) => {
      for (const isFinal of [false, true]) {
        try {
          decodeHopPayload(b, isFinal);
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
        }
      }
    },
    expected: isDecodeError,
  },
  {
    name: 'onion-failure',
    description: 'BOLT 4 returned failure packet: unwrap with the route secrets and decode (mutated failure messages re-sealed by any hop)',
    kind: 'bytes',
    seeds: failureSeeds,
    run: (b) => void decodeFailurePacket(b, SHARED_SECRETS),
    expected: never,
    mutate: resealedFailure,
    maxLength: 2048,
  },
  {
    name: 'bolt11',
    description: 'BOLT 11 invoice decode (bech32, hrp amount, tagged fields, signature recovery)',
    kind: 'string',
    seeds: () => INVOICE_TEXTS,
    tokens: ['lnbc', 'lntb', 'lntbs', 'lnbcrt', 'lightning:', 'LIGHTNING:', '1', 'm', 'u', 'n', 'p', 'qqqqqq', 'pp5', 'sp5'],
    run: (t) => void decodeInvoice(t),
    expected: isInvoiceError,
    mutate: rechecksummed,
    maxLength: 8000,
  },
  {
    name: 'payment-text',
    description: 'Pasted/scanned payment text: BIP 21 bitcoin: URIs, lightning: URIs, invoices, addresses, LNURL',
    kind: 'string',
    seeds: () => [
      ...INVOICE_TEXTS.slice(0, 4),
      `lightning:${INVOICE_TEXTS[0]}`,
      `bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080?amount=0.0001&label=Shop&message=Order%2012&lightning=${INVOICE_TEXTS[1]}`,
      'bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=50&req-somethingyoudontunderstand=50',
      'bitcoin:?lightning=LNBC1',
      'BITCOIN:1BoatSLRHtKNngkdXEeobR76b53LbtpyT',
      'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
      'LNURL1DP68GURN8GHJ7UM9WFMXJCM99E3K7MF0V9CXJ0M385EKVCENXC6R2C35XVUKXEFCV5MKVV34X5EKZD3EV56NYD3HXQURZEPEXEJXXEPNXSCRVWFNV9NXZCN9XQ6XYEFHVGCXXCMYXYMNSERXFQ5FNS',
      'lightning:lnurl1dp68gurn8ghj7um9wfmxjcm99e3k7mf0v9cxj0m385ekvcenxc6r2c35xvukxefcv5mkvv34x5ekzd3ev56nyd3hxqurzepexejxxepnxscrvwfnv9nxzcn9xq6xyefhvgcxxcmyxymnserxfq5fns',
      'lnurlp://service.com/api?q=3fc3645b439ce8e7',
      'keyauth://site.onion/auth?tag=login&k1=00',
      'satoshi@bitcoin.org',
    ],
    tokens: ['bitcoin:', 'lightning:', 'lightning=', 'amount=', 'label=', 'message=', 'req-', '?', '&', '%', '%ZZ', '@', 'lnurl1', 'lnurlp://', 'keyauth://', '.onion', 'bcrt1q', 'tb1q', 'bc1q'],
    run: (t) => void parsePaymentText(t),
    expected: isInvoiceError,
    maxLength: 20_000,
  },
  {
    name: 'lnurl',
    description: 'LNURL (LUD-01 bech32, LUD-17 schemes) and Lightning Address (LUD-16) recogniser',
    kind: 'string',
    seeds: () => [
      'LNURL1DP68GURN8GHJ7UM9WFMXJCM99E3K7MF0V9CXJ0M385EKVCENXC6R2C35XVUKXEFCV5MKVV34X5EKZD3EV56NYD3HXQURZEPEXEJXXEPNXSCRVWFNV9NXZCN9XQ6XYEFHVGCXXCMYXYMNSERXFQ5FNS',
      'lnurlw://service.com/api?q=3fc3645b439ce8e7',
      'lnurlc://node.example:8080/c',
      'keyauth://site.onion/auth?tag=login&k1=00',
      'satoshi@bitcoin.org',
      'a.b+c_d-e@sub.domain.example',
    ],
    tokens: ['lnurl1', 'LNURL1', 'lnurlp://', 'lnurlw://', 'lnurlc://', 'keyauth://', 'lightning:', '@', '.', '.onion', ':443', '/'],
    run: (t) => void recognizeLnurl(t),
    expected: isInvoiceError,
    mutate: rechecksummed,
    maxLength: 3000,
  },
];

