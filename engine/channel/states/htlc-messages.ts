/**
 * The BOLT 2 update messages for HTLC updates in the log: what we send when we make them and
 * again when we retransmit them on reconnection ("Message Retransmission"). Fulfills and fails
 * come before adds (each list in log order, adds by id): any order leads to the same
 * commitment, and this one never makes an add look less affordable than it was.
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#message-retransmission
 */
import type { ChannelMessage } from '../../wire/messages/channel.ts';
import type { LoggedHtlc, LoggedResolution } from '../htlc-log.ts';

export function addMessage(channelId: Uint8Array, a: LoggedHtlc): ChannelMessage {
  return { type: 'update_add_htlc', channelId, htlcId: a.id, amountMsat: a.amountMsat, paymentHash: a.paymentHash, cltvExpiry: a.cltvExpiry, onionRoutingPacket: a.onionRoutingPacket };
}

export function settleMessage(channelId: Uint8Array, r: LoggedResolution): ChannelMessage {
  if (!r.preimage) throw new Error(`the fulfill of HTLC ${r.htlcId} has no preimage`);
  return { type: 'update_fulfill_htlc', channelId, htlcId: r.htlcId, paymentPreimage: r.preimage };
}

export function failMessage(channelId: Uint8Array, r: LoggedResolution): ChannelMessage {
  if (r.malformed) return { type: 'update_fail_malformed_htlc', channelId, htlcId: r.htlcId, sha256OfOnion: r.malformed.sha256OfOnion, failureCode: r.malformed.failureCode };
  if (!r.reason) throw new Error(`the fail of HTLC ${r.htlcId} has neither a reason nor a malformed code`);
  return { type: 'update_fail_htlc', channelId, htlcId: r.htlcId, reason: r.reason };
}

/** Fulfills, fails, then adds by id. */
export function updateMessages(
  channelId: Uint8Array,
  u: { readonly adds: readonly LoggedHtlc[]; readonly settles: readonly LoggedResolution[]; readonly fails: readonly LoggedResolution[] },
): ChannelMessage[] {
  const adds = [...u.adds].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return [...u.settles.map((r) => settleMessage(channelId, r)), ...u.fails.map((r) => failMessage(channelId, r)), ...adds.map((a) => addMessage(channelId, a))];
}
