/**
 * BOLT 2 "Adding an HTLC: update_add_htlc" limits, for both directions: what the sender must
 * not offer (our `add-htlc` command: `command-rejected`) and what the receiver must fail the
 * channel for (the peer's `update_add_htlc`), plus the largest HTLC either side could add now.
 *
 * Every check is made on the receiver's next commitment with the new HTLC in it (where the add
 * goes first): the sender's offered HTLCs there count against the receiver's
 * `max_accepted_htlcs` and `max_htlc_value_in_flight_msat`; the sender keeps the reserve the
 * receiver asked for after paying the HTLC (and, if it is the funder, the commitment fee with
 * the new HTLC output and the anchors). As sender we also keep LDK's fee-spike buffer when we
 * are the funder (the fee at 2× the feerate — 1× with anchors, which can be CPFP'd — plus one
 * more HTLC output, so a fee rise cannot strand the channel), refuse when the fundee's add
 * would leave the funder unable to pay the fee over the reserve the fundee asked of it (as LDK
 * does), and bound our dust exposure
 * (`ChannelLimits.maxDustHtlcExposureMsat`).
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#adding-an-htlc-update_add_htlc
 */
import { funderCommitmentCost, isHtlcTrimmed, trimHtlcs } from './bolt3/fees.ts';
import { hasAnchors } from './bolt3/types.ts';
import { type HtlcLog, type Side, addHtlc, ctnLatest, ONION_ROUTING_PACKET_SIZE } from './htlc-log.ts';
import { specAt } from './htlc-spec.ts';
import type { ChannelLimits, ChannelParams, CommitmentSpec, Commitments } from './types.ts';

/** BOLT 2: `cltv_expiry` must be a block height (below the locktime threshold). */
export const MAX_CLTV_EXPIRY = 500_000_000;

const other = (s: Side): Side => (s === 'local' ? 'remote' : 'local');

/** The commitment an add by `proposer` enters first: the other side's next one. */
function receiverNext(c: Commitments, log: HtlcLog, proposer: Side): { subject: Side; spec: CommitmentSpec; params: ChannelParams } {
  const subject = other(proposer);
  const base = subject === 'local' ? c.localCommit.spec : c.remoteCommit.spec;
  const params = subject === 'local' ? c.localParams : c.remoteParams;
  return { subject, spec: specAt(log, subject, ctnLatest(log, subject) + 1, base), params };
}

function untrimmedCount(spec: CommitmentSpec, dustLimitSat: bigint, c: Commitments, feeratePerKw = spec.feeratePerKw): number {
  return trimHtlcs(spec.htlcs, dustLimitSat, feeratePerKw, c.channelType).untrimmed.length;
}

/** The funder's cost (sat) of a commitment of `spec` at `feeratePerKw`, with `extraHtlcs` more untrimmed outputs. */
function feeSat(c: Commitments, spec: CommitmentSpec, dustLimitSat: bigint, feeratePerKw: number, extraHtlcs: number): bigint {
  return funderCommitmentCost(feeratePerKw, c.channelType, untrimmedCount(spec, dustLimitSat, c, feeratePerKw) + extraHtlcs);
}

/** LDK's fee-spike multiple: 2 without anchors, 1 with (the commitment can be bumped through its anchor). */
function spikedFeerate(c: Commitments, feeratePerKw: number): number {
  return feeratePerKw * (hasAnchors(c.channelType) ? 1 : 2);
}

/** The reserve the fundee `proposer` requires of the funder (LDK: a fundee's add must leave the funder its fee and that reserve). */
function funderReserveMsat(c: Commitments, proposer: Side): bigint {
  return (proposer === 'local' ? c.localParams : c.remoteParams).channelReserveSat * 1000n;
}

/** What an HTLC add carries. */
export interface HtlcToAdd {
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly onionRoutingPacket: Uint8Array;
}

/** The form of an add (both directions); a reason or undefined. */
export function htlcFormProblem(h: HtlcToAdd): string | undefined {
  if (typeof h.amountMsat !== 'bigint' || h.amountMsat <= 0n) return 'amount_msat must be more than 0';
  if (!(h.paymentHash instanceof Uint8Array) || h.paymentHash.length !== 32) return 'payment_hash must be 32 bytes';
  if (!Number.isInteger(h.cltvExpiry) || h.cltvExpiry < 0 || h.cltvExpiry >= MAX_CLTV_EXPIRY) return `cltv_expiry ${h.cltvExpiry} must be a block height below ${MAX_CLTV_EXPIRY}`;
  if (!(h.onionRoutingPacket instanceof Uint8Array) || h.onionRoutingPacket.length !== ONION_ROUTING_PACKET_SIZE) return `onion_routing_packet must be ${ONION_ROUTING_PACKET_SIZE} bytes`;
  return undefined;
}

/**
 * Why `proposer` may not add `h` now (the receiver's checks; with `asSender`, also the sender's
 * own: fee-spike buffer, the funder's fee as fundee, dust exposure); undefined when it may.
 */
export function addHtlcProblem(c: Commitments, proposer: Side, h: HtlcToAdd, limits: ChannelLimits, asSender: boolean): string | undefined {
  const form = htlcFormProblem(h);
  if (form) return form;
  const log = addHtlc(c.log, proposer, { ...h });
  const { spec, params } = receiverNext(c, log, proposer);
  const who = proposer === 'local' ? 'we' : 'the peer';
  if (h.amountMsat < params.htlcMinimumMsat) return `amount_msat ${h.amountMsat} is below htlc_minimum_msat ${params.htlcMinimumMsat}`;
  // In the receiver's commitment the proposer's HTLCs are `received` and its balance is `toRemote`.
  const offered = spec.htlcs.filter((x) => x.direction === 'received');
  if (offered.length > params.maxAcceptedHtlcs) return `${who} would have ${offered.length} HTLCs pending, over max_accepted_htlcs ${params.maxAcceptedHtlcs}`;
  const inFlight = offered.reduce((s, x) => s + x.amountMsat, 0n);
  if (inFlight > params.maxHtlcValueInFlightMsat) return `${who} would have ${inFlight} msat in flight, over max_htlc_value_in_flight_msat ${params.maxHtlcValueInFlightMsat}`;
  const proposerIsFunder = (proposer === 'local') === c.isFunder;
  const reserveMsat = params.channelReserveSat * 1000n;
  const fee = feeSat(c, spec, params.dustLimitSat, spec.feeratePerKw, 0) * 1000n;
  const balance = spec.toRemoteMsat;
  const afterFee = proposerIsFunder ? balance - fee : balance;
  if (afterFee < reserveMsat) {
    return `${who} cannot afford ${h.amountMsat} msat: ${balance} msat left${proposerIsFunder ? `, ${fee} msat commitment fee` : ''}, ${reserveMsat} msat reserve to keep`;
  }
  if (!asSender) return undefined;
  if (proposerIsFunder) {
    const spiked = feeSat(c, spec, params.dustLimitSat, spikedFeerate(c, spec.feeratePerKw), 1) * 1000n;
    if (balance - spiked < reserveMsat) return `cannot afford ${h.amountMsat} msat and keep the fee-spike buffer (${spiked} msat of commitment fee) over the ${reserveMsat} msat reserve`;
  } else if (spec.toLocalMsat < fee + funderReserveMsat(c, proposer)) {
    return `the peer (the funder) could not pay the ${fee} msat commitment fee with this HTLC and keep its ${funderReserveMsat(c, proposer)} msat reserve`;
  }
  const dust = dustExposureMsat(c, spec, other(proposer));
  if (dust > limits.maxDustHtlcExposureMsat) return `dust HTLCs would hold ${dust} msat, over our dust exposure limit ${limits.maxDustHtlcExposureMsat} msat`;
  return undefined;
}

/**
 * The HTLCs of `spec` (a commitment of `owner`) trimmed on either side's commitment: they would
 * go to miners on a force-close (BOLT 2 "dust exposure").
 */
export function dustExposureMsat(c: Commitments, spec: CommitmentSpec, owner: Side): bigint {
  const [ownerDust, otherDust] = owner === 'local' ? [c.localParams.dustLimitSat, c.remoteParams.dustLimitSat] : [c.remoteParams.dustLimitSat, c.localParams.dustLimitSat];
  let total = 0n;
  for (const x of spec.htlcs) {
    const flipped = { ...x, direction: x.direction === 'offered' ? ('received' as const) : ('offered' as const) };
    if (isHtlcTrimmed(x, ownerDust, spec.feeratePerKw, c.channelType) || isHtlcTrimmed(flipped, otherDust, spec.feeratePerKw, c.channelType)) total += x.amountMsat;
  }
  return total;
}

/** The largest HTLC `proposer` could add now by the same rules (assuming its output is not trimmed). */
function addableMsat(c: Commitments, proposer: Side): bigint {
  const { spec, params } = receiverNext(c, c.log, proposer);
  const offered = spec.htlcs.filter((x) => x.direction === 'received');
  if (offered.length + 1 > params.maxAcceptedHtlcs) return 0n;
  const inFlightRoom = params.maxHtlcValueInFlightMsat - offered.reduce((s, x) => s + x.amountMsat, 0n);
  const proposerIsFunder = (proposer === 'local') === c.isFunder;
  const reserveMsat = params.channelReserveSat * 1000n;
  let room = spec.toRemoteMsat - reserveMsat;
  if (proposerIsFunder) room -= feeSat(c, spec, params.dustLimitSat, spikedFeerate(c, spec.feeratePerKw), 2) * 1000n;
  else if (spec.toLocalMsat < feeSat(c, spec, params.dustLimitSat, spec.feeratePerKw, 1) * 1000n + funderReserveMsat(c, proposer)) return 0n;
  const best = room < inFlightRoom ? room : inFlightRoom;
  return best >= params.htlcMinimumMsat && best > 0n ? best : 0n;
}

/** The largest HTLC we could add now (reserve, funder fee with the fee-spike buffer, in-flight, max_accepted, htlc_minimum). */
export function sendableMsatOf(c: Commitments): bigint {
  return addableMsat(c, 'local');
}

/** The largest HTLC the peer could add to us now, by the same rules. */
export function receivableMsatOf(c: Commitments): bigint {
  return addableMsat(c, 'remote');
}
