/**
 * `onion-peel`: ms to peel one layer of a BOLT 4 payment onion as the receiving node does it:
 * ECDH with the node key, HMAC check, the 2600-byte ChaCha20 stream, payload decode (and, for a
 * forwarding hop, the blinded next ephemeral key and next packet).
 *
 * Ours: peelOnion with onionSharedSecret(nodeSecret, point) as the ECDH, exactly what the node
 * does with an incoming update_add_htlc. Reference: LDK's own context-free peel,
 * `UtilMethods.constructor_peel_payment_onion(update_add_htlc, KeysManager node signer, …)`, on the
 * same kind of onion (built by us for LDK's node id) in the same run; samples alternate between
 * the two so machine load hits both alike. Lower is better; ratio = ours / LDK.
 */
import { buildOnion, encodeHopPayload, onionSharedSecret, peelOnion } from '../engine/onion/index.ts';
import { sha256 } from '../engine/crypto/hash.ts';
import { publicKeyOf } from '../engine/crypto/secp256k1.ts';
import { loadLdk } from '../playground/ldk/wasm.ts';
import { result, timeAll, type BenchResult } from './lib.ts';

const CLTV = 800_500;
const HEIGHT = 800_000;
/** More than the onion's point cache (256) holds. */
const DISTINCT_ONIONS = 512;

export async function run(): Promise<BenchResult[]> {
  const ldk = await loadLdk();
  const keys = ldk.KeysManager.constructor_new(sha256(Uint8Array.of(0x1d)), 1n, 0);
  const signer = keys.as_NodeSigner();
  const id = signer.get_node_id(ldk.Recipient.LDKRecipient_Node);
  if (!(id instanceof ldk.Result_PublicKeyNoneZ_OK)) throw new Error('LDK get_node_id failed');
  const ldkNodeId = id.res;
  const logger = ldk.Logger.new_impl({ log: () => undefined });

  const ourSecret = sha256(Uint8Array.of(0x0e));
  const ourNodeId = publicKeyOf(ourSecret);
  const nextNodeId = publicKeyOf(sha256(Uint8Array.of(0x0f)));
  const paymentHash = sha256(Uint8Array.of(0x4a));
  const finalPayload = encodeHopPayload({ amtToForwardMsat: 100_000n, outgoingCltvValue: CLTV, paymentData: { paymentSecret: sha256(Uint8Array.of(0x5e)), totalMsat: 100_000n } });
  const forwardPayload = encodeHopPayload({ amtToForwardMsat: 100_000n, outgoingCltvValue: CLTV - 144, shortChannelId: BigInt(HEIGHT) << 40n });
  // Distinct onions (fresh session keys, as every real HTLC has), more of them than any point
  // cache holds, so every peel pays for decompressing a new ephemeral key.
  const sessions = Array.from({ length: DISTINCT_ONIONS }, (_, i) => sha256(Uint8Array.of(0x5c, i >> 8, i & 0xff)));
  const onionsFor = (first: Uint8Array, forward: boolean): Uint8Array[] =>
    sessions.map(
      (session) =>
        buildOnion(forward ? [{ nodeId: first, payload: forwardPayload }, { nodeId: nextNodeId, payload: finalPayload }] : [{ nodeId: first, payload: finalPayload }], session, paymentHash)
          .packet,
    );

  const ldkUpdate = (onion: Uint8Array) => {
    const packet = ldk.OnionPacket.constructor_read(onion);
    if (!(packet instanceof ldk.Result_OnionPacketDecodeErrorZ_OK)) throw new Error('LDK could not read the onion');
    return ldk.UpdateAddHTLC.constructor_new(ldk.ChannelId.constructor_new(new Uint8Array(32)), 0n, 101_000n, paymentHash, CLTV, ldk.Option_u64Z.constructor_none(), packet.res, null);
  };
  const ldkPeel = (onions: Uint8Array[]) => {
    const updates = onions.map(ldkUpdate);
    let i = 0;
    return (): void => {
      const peeled = ldk.UtilMethods.constructor_peel_payment_onion(updates[i++ % updates.length]!, signer, logger, HEIGHT, false);
      if (!(peeled instanceof ldk.Result_PendingHTLCInfoInboundHTLCErrZ_OK)) {
        throw new Error(`LDK refused the onion: ${peeled instanceof ldk.Result_PendingHTLCInfoInboundHTLCErrZ_Err ? peeled.err.get_msg() : '?'}`);
      }
    };
  };
  const ourPeel = (onions: Uint8Array[], kind: 'final' | 'forward') => {
    let i = 0;
    return (): void => {
      const peeled = peelOnion(onions[i++ % onions.length]!, paymentHash, (point) => onionSharedSecret(ourSecret, point));
      if (peeled.kind !== kind) throw new Error(`peeled ${peeled.kind}`);
    };
  };

  const options = { warmupMs: 200, minTimeMs: 1500, sampleMs: 20 };
  const [oursFinal, ldkFinal] = timeAll([ourPeel(onionsFor(ourNodeId, false), 'final'), ldkPeel(onionsFor(ldkNodeId, false))], options);
  const [oursForward, ldkForward] = timeAll([ourPeel(onionsFor(ourNodeId, true), 'forward'), ldkPeel(onionsFor(ldkNodeId, true))], options);
  const unit = 'ms/op (median, lower is better)';
  return [
    result('onion-peel', unit, oursFinal!.medianMs, ldkFinal!.medianMs, 'ldk peel_payment_onion (final hop)'),
    result('onion-peel-forward', unit, oursForward!.medianMs, ldkForward!.medianMs, 'ldk peel_payment_onion (forwarding hop)'),
  ];
}
