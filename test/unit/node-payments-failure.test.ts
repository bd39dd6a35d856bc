/**
 * What a returned failure means for an outgoing payment (engine/node/payments/failure.ts, BOLT 4
 * "Returning Errors" / "Failure Messages"): real failure packets made by a hop with its shared
 * secret (createFailurePacket), obfuscated back by the hops before it (wrapFailurePacket),
 * decoded by the origin with the part's shared secrets, then judged: a final-node failure fails
 * the payment; an intermediate channel failure excludes the channel out of that hop; a NODE
 * failure excludes the node; a fee_insufficient with a channel_update signed by that hop updates
 * the hint's fees once; a channel_update signed by someone else is ignored.
 */
import { describe, expect, test } from 'vitest';
import { sha256d } from '../../engine/crypto/hash.ts';
import { publicKeyOf, signDigest } from '../../engine/crypto/secp256k1.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { decideOnFailure, parseChannelUpdate } from '../../engine/node/payments/failure.ts';
import type { StoredHop } from '../../engine/node/payments/records.ts';
import {
  buildOnion,
  createFailurePacket,
  decodeFailurePacket,
  feeInsufficient,
  incorrectOrUnknownPaymentDetails,
  temporaryChannelFailure,
  temporaryNodeFailure,
  wrapFailurePacket,
  type FailureMessage,
} from '../../engine/onion/index.ts';
import { ByteWriter } from '../../engine/wire/writer.ts';

const secretOf = (n: number) => new Uint8Array(32).fill(n);
const B = secretOf(2);
const C = secretOf(3);
const D = secretOf(4);
const hops: StoredHop[] = [{ nodeId: publicKeyOf(B) }, { nodeId: publicKeyOf(C), shortChannelId: 111n }, { nodeId: publicKeyOf(D), shortChannelId: 222n }];
const onion = buildOnion(
  hops.map((h) => ({ nodeId: h.nodeId, payload: Uint8Array.of(2, 1, 1, 4, 1, 1) })),
  secretOf(9),
  new Uint8Array(32),
);
const ours = 'aa'.repeat(32);

/** Hop `at` fails with `failure`; every hop before it wraps the packet on its way back. */
function returned(at: number, failure: FailureMessage): Uint8Array {
  let packet = createFailurePacket(onion.sharedSecrets[at]!, failure);
  for (let i = at - 1; i >= 0; i--) packet = wrapFailurePacket(onion.sharedSecrets[i]!, packet);
  return packet;
}

function decide(at: number, failure: FailureMessage, policyUpdated: ReadonlySet<bigint> = new Set()) {
  const decoded = decodeFailurePacket(returned(at, failure), onion.sharedSecrets);
  expect(decoded?.hopIndex).toBe(at);
  return decideOnFailure({ channelId: ours, hops, policyUpdated }, decoded);
}

/** A BOLT 7 channel_update (with its type prefix) for `scid`, signed by `signer`. */
function channelUpdate(signer: Uint8Array, scid: bigint, feeBase: number, feePpm: number, cltvDelta: number): Uint8Array {
  const body = new ByteWriter().bytes(new Uint8Array(32)).u64(scid).u32(1_800_000_000).u8(1).u8(0).u16(cltvDelta).u64(1000n).u32(feeBase).u32(feePpm).u64(10_000_000n).finish();
  const sig = signDigest(sha256d(body), signer);
  return Uint8Array.of(0x01, 0x02, ...sig, ...body);
}

describe('failure decisions', () => {
  test('the payee’s incorrect_or_unknown_payment_details fails the payment with its name and words', () => {
    const d = decide(2, incorrectOrUnknownPaymentDetails(1000n, 700));
    expect(d).toMatchObject({ kind: 'fail-payment', code: 'incorrect_or_unknown_payment_details' });
    expect(d.reason).toMatch(/^the payee refused the payment/);
  });

  test('temporary_channel_failure at our peer excludes the channel out of it (the hint channel to C)', () => {
    expect(decide(0, temporaryChannelFailure())).toMatchObject({ kind: 'retry', excludeHintChannel: 111n });
  });

  test('temporary_channel_failure at C excludes the channel C → D', () => {
    expect(decide(1, temporaryChannelFailure())).toMatchObject({ kind: 'retry', excludeHintChannel: 222n });
  });

  test('a NODE failure excludes that node (and our channel when it is our peer)', () => {
    expect(decide(1, temporaryNodeFailure())).toMatchObject({ kind: 'retry', excludeNode: bytesToHex(publicKeyOf(C)) });
    expect(decide(0, temporaryNodeFailure())).toMatchObject({ kind: 'retry', excludeChannel: ours, excludeNode: bytesToHex(publicKeyOf(B)) });
  });

  test('fee_insufficient with a channel_update signed by the failing hop: its fees are used once; then the channel is excluded', () => {
    const update = channelUpdate(C, 222n, 2000, 300, 80);
    expect(parseChannelUpdate(update, publicKeyOf(C))).toEqual({ shortChannelId: 222n, feeBaseMsat: 2000, feeProportionalMillionths: 300, cltvExpiryDelta: 80 });
    expect(decide(1, feeInsufficient(5000n, update))).toMatchObject({ kind: 'retry', policy: { shortChannelId: 222n, feeBaseMsat: 2000, feeProportionalMillionths: 300, cltvExpiryDelta: 80 } });
    expect(decide(1, feeInsufficient(5000n, update), new Set([222n]))).toMatchObject({ kind: 'retry', excludeHintChannel: 222n });
  });

  test('a channel_update not signed by the failing hop is ignored', () => {
    const forged = channelUpdate(D, 222n, 0, 0, 1);
    expect(parseChannelUpdate(forged, publicKeyOf(C))).toBeUndefined();
    const d = decide(1, feeInsufficient(5000n, forged));
    expect(d).toMatchObject({ kind: 'retry', excludeHintChannel: 222n });
    expect(d).not.toHaveProperty('policy');
  });

  test('a packet no hop’s HMAC matches: the hint path is excluded (direct: the payment fails)', () => {
    const garbage = new Uint8Array(292).fill(7);
    expect(decideOnFailure({ channelId: ours, hops, policyUpdated: new Set() }, decodeFailurePacket(garbage, onion.sharedSecrets))).toMatchObject({ kind: 'retry', excludeChannel: ours, excludeHintChannel: 111n });
    expect(decideOnFailure({ channelId: ours, hops: hops.slice(2), policyUpdated: new Set() }, undefined)).toMatchObject({ kind: 'fail-payment', code: 'unreadable_failure' });
  });
});
