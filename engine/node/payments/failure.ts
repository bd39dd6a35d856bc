/**
 * What an outgoing part's failure means for the payment (BOLT 4 "Returning Errors", "Failure
 * Messages"; the origin's decision as in LDK's `process_onion_failure`):
 *
 *   - the final node failed it (incorrect_or_unknown_payment_details, final_incorrect_*,
 *     mpp_timeout, or anything else the payee says): the payment fails, with the reason in words;
 *   - an intermediate hop failed it: NODE errors exclude that node, channel errors (UPDATE,
 *     temporary/permanent channel failures, unknown_next_peer, …) exclude the channel out of that
 *     hop; an UPDATE error carrying a channel_update correctly signed by that hop updates the
 *     hint's fees / CLTV delta once before the channel is excluded;
 *   - our peer could not parse the onion (update_fail_malformed_htlc), or a failure no hop's HMAC
 *     matches: our channel (resp. the hint path) is excluded;
 *   - our own add was dropped unsigned on reconnection (localReason): retried as it is.
 */
import { sha256d } from '../../crypto/hash.ts';
import { verifyDigest } from '../../crypto/secp256k1.ts';
import { bytesToHex } from '../../lib/bytes.ts';
import { describeFailure, failureName, type DecodedFailure } from '../../onion/index.ts';
import { ByteReader } from '../../wire/reader.ts';
import type { StoredHop } from './records.ts';

const NODE = 0x2000;
const UPDATE = 0x1000;
const FEE_INSUFFICIENT = UPDATE | 12;
const INCORRECT_CLTV_EXPIRY = UPDATE | 13;

export type FailureDecision =
  | { readonly kind: 'fail-payment'; readonly code: string; readonly reason: string }
  | {
      readonly kind: 'retry';
      readonly reason: string;
      readonly excludeChannel?: string;
      readonly excludeHintChannel?: bigint;
      readonly excludeNode?: string;
      readonly policy?: { readonly shortChannelId: bigint; readonly feeBaseMsat: number; readonly feeProportionalMillionths: number; readonly cltvExpiryDelta: number };
    };

/** The fee/CLTV fields of a channel_update (BOLT 7), if it is well formed and signed by `signer`. */
export function parseChannelUpdate(raw: Uint8Array, signer: Uint8Array): { shortChannelId: bigint; feeBaseMsat: number; feeProportionalMillionths: number; cltvExpiryDelta: number } | undefined {
  try {
    // Often carried with its message type (258) in front.
    const body = raw.length >= 2 && raw[0] === 0x01 && raw[1] === 0x02 && raw.length !== 136 ? raw.subarray(2) : raw;
    const r = new ByteReader(body);
    const signature = r.take(64, 'channel_update.signature');
    const signed = body.subarray(64);
    r.take(32, 'channel_update.chain_hash');
    const shortChannelId = r.u64('channel_update.short_channel_id');
    r.u32('channel_update.timestamp');
    r.u8('channel_update.message_flags');
    r.u8('channel_update.channel_flags');
    const cltvExpiryDelta = r.u16('channel_update.cltv_expiry_delta');
    r.u64('channel_update.htlc_minimum_msat');
    const feeBaseMsat = r.u32('channel_update.fee_base_msat');
    const feeProportionalMillionths = r.u32('channel_update.fee_proportional_millionths');
    if (!verifyDigest(signature, sha256d(signed), signer)) return undefined;
    return { shortChannelId, feeBaseMsat, feeProportionalMillionths, cltvExpiryDelta };
  } catch {
    return undefined;
  }
}

/** Words for a failure at `hopIndex` of `hops` ("at the payee", "at hop 2 (02ab…)"). */
function where(hops: readonly StoredHop[], hopIndex: number): string {
  if (hopIndex === hops.length - 1) return 'the payee';
  const id = bytesToHex(hops[hopIndex]!.nodeId);
  return hopIndex === 0 ? `our peer ${id.slice(0, 16)}…` : `hop ${hopIndex + 1} (${id.slice(0, 16)}…)`;
}

export interface FailureContext {
  readonly channelId: string;
  readonly hops: readonly StoredHop[];
  /** scids whose policy was already updated from a channel_update once. */
  readonly policyUpdated: ReadonlySet<bigint>;
}

/** Decide after a decoded (or undecodable) failure packet. */
export function decideOnFailure(ctx: FailureContext, decoded: DecodedFailure | undefined): FailureDecision {
  const last = ctx.hops.length - 1;
  if (!decoded) {
    if (last === 0) return { kind: 'fail-payment', code: 'unreadable_failure', reason: 'the payee failed the payment with an error we cannot read' };
    const hint = ctx.hops[1]?.shortChannelId;
    return { kind: 'retry', reason: 'a hop failed the payment with an error we cannot read', excludeChannel: ctx.channelId, ...(hint !== undefined ? { excludeHintChannel: hint } : {}) };
  }
  const { hopIndex, failure } = decoded;
  const name = failureName(failure.code);
  const words = describeFailure(failure);
  if (hopIndex >= last) return { kind: 'fail-payment', code: name, reason: `the payee refused the payment: ${words}` };
  const at = where(ctx.hops, hopIndex);
  const out = ctx.hops[hopIndex + 1]?.shortChannelId;
  if (failure.code & NODE) {
    const node = bytesToHex(ctx.hops[hopIndex]!.nodeId);
    return hopIndex === 0 ? { kind: 'retry', reason: `${at}: ${words}`, excludeChannel: ctx.channelId, excludeNode: node } : { kind: 'retry', reason: `${at}: ${words}`, excludeNode: node };
  }
  if ((failure.code === FEE_INSUFFICIENT || failure.code === INCORRECT_CLTV_EXPIRY) && decoded.channelUpdate && out !== undefined && !ctx.policyUpdated.has(out)) {
    const policy = parseChannelUpdate(decoded.channelUpdate, ctx.hops[hopIndex]!.nodeId);
    if (policy && policy.shortChannelId === out) return { kind: 'retry', reason: `${at}: ${words}`, policy };
  }
  if (out === undefined) return { kind: 'retry', reason: `${at}: ${words}`, excludeChannel: ctx.channelId };
  return { kind: 'retry', reason: `${at}: ${words}`, excludeHintChannel: out };
}

/** Our peer could not parse our onion (BOLT 2 update_fail_malformed_htlc). */
export function decideOnMalformed(channelId: string, failureCode: number): FailureDecision {
  return { kind: 'retry', reason: `our peer could not read the onion (${failureName(failureCode)})`, excludeChannel: channelId };
}
