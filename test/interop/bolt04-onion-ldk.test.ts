/**
 * BOLT 4 onions against LDK (npm `lightningdevkit`), no network: LDK's own context-free
 * `peel_payment_onion` must accept the onions we build and read the payloads we meant (final hop
 * with payment_data and payment_metadata, keysend, forwarding hop); peeling the same onion with
 * our code, using LDK's NodeSigner for the ECDH, must give LDK's shared secret and LDK's next
 * packet byte for byte; and a malformed onion must get the same BOLT 4 failure code from both.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { buildOnion, encodeHopPayload, FailureCode, onionSharedSecret, peelOnion, type HopPayload } from '../../engine/onion/index.ts';
import { loadLdk, type Ldk } from '../../playground/ldk/wasm.ts';

const HEIGHT = 800_000;
const CLTV = HEIGHT + 500;
const AMOUNT = 100_000n;
const paymentHash = sha256(new TextEncoder().encode('bolt04 ldk interop'));
const paymentSecret = sha256(new TextEncoder().encode('bolt04 ldk secret'));
const nextSecret = sha256(new TextEncoder().encode('bolt04 ldk next hop'));
const nextNodeId = publicKeyOf(nextSecret);

let ldk: Ldk;
let ldkNodeId: Uint8Array;
let peelWithLdk: (onion: Uint8Array, amountMsat?: bigint, hash?: Uint8Array) => ReturnType<Ldk['UtilMethods']['constructor_peel_payment_onion']>;
/** LDK's node key as our peelOnion's ECDH: NodeSigner.ecdh returns the BOLT 4 shared secret. */
let ldkEcdh: (point: Uint8Array) => Uint8Array;

beforeAll(async () => {
  ldk = await loadLdk();
  const keys = ldk.KeysManager.constructor_new(sha256(new TextEncoder().encode('bolt04 ldk keys')), 1n, 0);
  const signer = keys.as_NodeSigner();
  const id = signer.get_node_id(ldk.Recipient.LDKRecipient_Node);
  if (!(id instanceof ldk.Result_PublicKeyNoneZ_OK)) throw new Error('LDK get_node_id failed');
  ldkNodeId = id.res;
  const logger = ldk.Logger.new_impl({ log: () => undefined });
  peelWithLdk = (onion, amountMsat = AMOUNT, hash = paymentHash) => {
    const packet = ldk.OnionPacket.constructor_read(onion);
    if (!(packet instanceof ldk.Result_OnionPacketDecodeErrorZ_OK)) throw new Error('LDK could not read the onion');
    const update = ldk.UpdateAddHTLC.constructor_new(ldk.ChannelId.constructor_new(new Uint8Array(32)), 0n, amountMsat, hash, CLTV, ldk.Option_u64Z.constructor_none(), packet.res, null);
    return ldk.UtilMethods.constructor_peel_payment_onion(update, signer, logger, HEIGHT, false);
  };
  ldkEcdh = (point) => {
    const r = signer.ecdh(ldk.Recipient.LDKRecipient_Node, point, ldk.Option_BigEndianScalarZ.constructor_none());
    if (!(r instanceof ldk.Result_ThirtyTwoBytesNoneZ_OK)) throw new Error('LDK ecdh failed');
    return r.res;
  };
});

const session = (i: number): Uint8Array => sha256(Uint8Array.of(0x5e, i));

function accepted(result: ReturnType<typeof peelWithLdk>) {
  if (!(result instanceof ldk.Result_PendingHTLCInfoInboundHTLCErrZ_OK)) {
    const why = result instanceof ldk.Result_PendingHTLCInfoInboundHTLCErrZ_Err ? `${result.err.get_err_code()}: ${result.err.get_msg()}` : '?';
    throw new Error(`LDK refused our onion (${why})`);
  }
  return result.res;
}

function refusedCode(result: ReturnType<typeof peelWithLdk>): number {
  if (!(result instanceof ldk.Result_PendingHTLCInfoInboundHTLCErrZ_Err)) throw new Error('LDK accepted a malformed onion');
  return result.err.get_err_code() & 0xffff;
}

describe('BOLT 4 onions: LDK peels what we build', () => {
  it('final hop with payment_data and payment_metadata: LDK reads amount, expiry, secret, total and metadata', () => {
    const payload: HopPayload = { amtToForwardMsat: AMOUNT, outgoingCltvValue: CLTV, paymentData: { paymentSecret, totalMsat: AMOUNT }, paymentMetadata: hexToBytes('c0ffee') };
    const onion = buildOnion([{ nodeId: ldkNodeId, payload: encodeHopPayload(payload) }], session(1), paymentHash);
    const info = accepted(peelWithLdk(onion.packet));
    expect(info.get_outgoing_amt_msat()).toBe(AMOUNT);
    expect(info.get_outgoing_cltv_value()).toBe(CLTV);
    expect(bytesToHex(info.get_incoming_shared_secret())).toBe(bytesToHex(onion.sharedSecrets[0]!));
    const routing = info.get_routing();
    expect(routing).toBeInstanceOf(ldk.PendingHTLCRouting_Receive);
    if (!(routing instanceof ldk.PendingHTLCRouting_Receive)) return;
    expect(bytesToHex(routing.payment_data.get_payment_secret())).toBe(bytesToHex(paymentSecret));
    expect(routing.payment_data.get_total_msat()).toBe(AMOUNT);
    expect(routing.payment_metadata).toBeInstanceOf(ldk.Option_CVec_u8ZZ_Some);
    if (routing.payment_metadata instanceof ldk.Option_CVec_u8ZZ_Some) expect(bytesToHex(routing.payment_metadata.some)).toBe('c0ffee');
  });

  it('keysend: LDK finds the preimage in TLV 5482373484', () => {
    const preimage = sha256(new TextEncoder().encode('keysend preimage'));
    const hash = sha256(preimage);
    const payload = encodeHopPayload({ amtToForwardMsat: AMOUNT, outgoingCltvValue: CLTV, keysendPreimage: preimage, paymentData: { paymentSecret, totalMsat: AMOUNT } });
    const onion = buildOnion([{ nodeId: ldkNodeId, payload }], session(2), hash);
    const result = peelWithLdk(onion.packet, AMOUNT, hash);
    const routing = accepted(result).get_routing();
    expect(routing).toBeInstanceOf(ldk.PendingHTLCRouting_ReceiveKeysend);
    if (routing instanceof ldk.PendingHTLCRouting_ReceiveKeysend) expect(bytesToHex(routing.payment_preimage)).toBe(bytesToHex(preimage));
  });

  it('forwarding hop: LDK reads the scid and builds the same next packet our peel does', () => {
    const scid = (BigInt(HEIGHT) << 40n) | (7n << 16n) | 1n;
    const hops = [
      { nodeId: ldkNodeId, payload: encodeHopPayload({ amtToForwardMsat: AMOUNT, outgoingCltvValue: CLTV - 144, shortChannelId: scid }) },
      { nodeId: nextNodeId, payload: encodeHopPayload({ amtToForwardMsat: AMOUNT, outgoingCltvValue: CLTV - 144, paymentData: { paymentSecret, totalMsat: AMOUNT } }) },
    ];
    const onion = buildOnion(hops, session(3), paymentHash);
    const info = accepted(peelWithLdk(onion.packet, AMOUNT + 1_000n));
    const routing = info.get_routing();
    expect(routing).toBeInstanceOf(ldk.PendingHTLCRouting_Forward);
    if (!(routing instanceof ldk.PendingHTLCRouting_Forward)) return;
    expect(routing.short_channel_id).toBe(scid);
    expect(info.get_outgoing_amt_msat()).toBe(AMOUNT);

    const ours = peelOnion(onion.packet, paymentHash, ldkEcdh);
    expect(ours.kind).toBe('forward');
    if (ours.kind !== 'forward') return;
    expect(bytesToHex(ours.sharedSecret)).toBe(bytesToHex(info.get_incoming_shared_secret()));
    expect(bytesToHex(ours.nextPacket)).toBe(bytesToHex(routing.onion_packet.write()));

    // The next hop (ours) peels LDK's next packet to the final payload.
    const last = peelOnion(routing.onion_packet.write(), paymentHash, (p) => onionSharedSecret(nextSecret, p));
    expect(last.kind).toBe('final');
    if (last.kind === 'final') expect(bytesToHex(last.payload.paymentData!.paymentSecret)).toBe(bytesToHex(paymentSecret));
  });
});

describe('BOLT 4 onions: malformed onions get the same failure code from LDK and from us', () => {
  const good = (): Uint8Array => {
    const payload = encodeHopPayload({ amtToForwardMsat: AMOUNT, outgoingCltvValue: CLTV, paymentData: { paymentSecret, totalMsat: AMOUNT } });
    return buildOnion([{ nodeId: ldkNodeId, payload }], session(4), paymentHash).packet;
  };
  const ourCode = (onion: Uint8Array): number => {
    const peeled = peelOnion(onion, paymentHash, ldkEcdh);
    if (peeled.kind === 'malformed') return peeled.failureCode;
    if (peeled.kind === 'bad-payload') return peeled.failure.code;
    throw new Error(`we accepted it as ${peeled.kind}`);
  };

  it('bad version → invalid_onion_version', () => {
    const onion = good();
    onion[0] = 1;
    expect(refusedCode(peelWithLdk(onion))).toBe(FailureCode.INVALID_ONION_VERSION);
    expect(ourCode(onion)).toBe(FailureCode.INVALID_ONION_VERSION);
  });

  it('bad HMAC → invalid_onion_hmac', () => {
    const onion = good();
    onion[700] = onion[700]! ^ 1;
    expect(refusedCode(peelWithLdk(onion))).toBe(FailureCode.INVALID_ONION_HMAC);
    expect(ourCode(onion)).toBe(FailureCode.INVALID_ONION_HMAC);
  });

  it('an unknown even TLV in the payload → invalid_onion_payload', () => {
    const payload = new Uint8Array([...encodeHopPayload({ amtToForwardMsat: AMOUNT, outgoingCltvValue: CLTV, paymentData: { paymentSecret, totalMsat: AMOUNT } }), 0x64, 0x01, 0x00]);
    const onion = buildOnion([{ nodeId: ldkNodeId, payload }], session(5), paymentHash).packet;
    expect(refusedCode(peelWithLdk(onion))).toBe(FailureCode.INVALID_ONION_PAYLOAD);
    expect(ourCode(onion)).toBe(FailureCode.INVALID_ONION_PAYLOAD);
  });

  it('a forwarding payload without short_channel_id → invalid_onion_payload', () => {
    const hops = [
      { nodeId: ldkNodeId, payload: encodeHopPayload({ amtToForwardMsat: AMOUNT, outgoingCltvValue: CLTV - 144 }) },
      { nodeId: nextNodeId, payload: encodeHopPayload({ amtToForwardMsat: AMOUNT, outgoingCltvValue: CLTV - 144 }) },
    ];
    const onion = buildOnion(hops, session(6), paymentHash).packet;
    expect(refusedCode(peelWithLdk(onion, AMOUNT + 1_000n))).toBe(FailureCode.INVALID_ONION_PAYLOAD);
    expect(ourCode(onion)).toBe(FailureCode.INVALID_ONION_PAYLOAD);
  });
});
