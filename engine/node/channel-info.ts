/**
 * The ChannelManager's view of one channel as a `ChannelInfo` (engine/node/channel-ports.ts): ids,
 * state, balances of our current commitment, funding outpoint, short_channel_id (BOLT 7) and why
 * it stopped. Pure: reads the entry's reducer state, never a secret.
 */
import type { ChannelContext } from '../channel/index.ts';
import { bytesToHex } from '../lib/bytes.ts';
import type { Entry } from './channel-chain.ts';
import { displayTxid, formatShortChannelId, idsOf, txidOfRaw } from './channel-inspect.ts';
import type { ChannelInfo } from './channel-ports.ts';
import { closingOutputsInfo } from './channel-watches.ts';
import { FUNDING_TIMEOUT_BLOCKS } from '../channel/types.ts';

type ChannelInfoBase = Pick<ChannelInfo, 'localId' | 'channelId' | 'peer' | 'state'> & Partial<Pick<ChannelInfo, 'temporaryChannelId' | 'frozen'>>;

/**
 * `entry` as a ChannelInfo; `connected`: its peer is connected now (a `normal` channel is usable
 * only then); `keys`: the channel's keys, to list our own commitment's HTLC outputs (rebuilt from
 * them; nothing secret reaches the info).
 */
export function channelInfo(entry: Entry, connected: boolean, keys?: Pick<ChannelContext, 'channelKeys'>): ChannelInfo {
  const s = entry.state;
  const ids = idsOf(s);
  const channelId = bytesToHex(ids.id ?? ids.temp ?? new Uint8Array(0));
  const base: ChannelInfoBase = {
    localId: entry.index,
    channelId,
    ...(ids.temp && ids.id ? { temporaryChannelId: bytesToHex(ids.temp) } : {}),
    peer: entry.peer,
    state: s.type,
    ...(entry.frozen ? { frozen: entry.frozen } : {}),
  };
  switch (s.type) {
    case 'idle':
    case 'wait-for-open-channel':
      return { ...base, capacitySat: 0n, localMsat: 0n, remoteMsat: 0n, usable: false };
    case 'aborted':
      return { ...base, capacitySat: 0n, localMsat: 0n, remoteMsat: 0n, usable: false, reason: s.reason };
    case 'wait-for-accept-channel':
    case 'wait-for-funding-internal':
    case 'wait-for-funding-created':
    case 'wait-for-funding-signed': {
      const o = s.type === 'wait-for-accept-channel' ? s.opening : s.negotiated;
      const isFunder = s.type !== 'wait-for-funding-created';
      const funderMsat = o.fundingSat * 1000n - o.pushMsat;
      return {
        ...base,
        type: o.channelType,
        isFunder,
        capacitySat: o.fundingSat,
        localMsat: isFunder ? funderMsat : o.pushMsat,
        remoteMsat: isFunder ? o.pushMsat : funderMsat,
        usable: false,
        ...(s.type !== 'wait-for-accept-channel' ? { minimumDepth: s.negotiated.minimumDepth } : {}),
        ...(s.type === 'wait-for-funding-signed' ? { fundingTxid: displayTxid(s.fundingOutpoint.txid), fundingOutputIndex: s.fundingOutpoint.index } : {}),
      };
    }
    case 'wait-for-funding-confirmed':
      // A fundee's channel that failed before its funding was seen: forgotten for the user, the funding still watched.
      if (s.failed !== undefined) {
        return {
          ...base,
          state: 'aborted',
          type: s.commitments.channelType,
          isFunder: false,
          capacitySat: 0n,
          localMsat: 0n,
          remoteMsat: 0n,
          usable: false,
          fundingTxid: displayTxid(s.commitments.fundingOutpoint.txid),
          fundingOutputIndex: s.commitments.fundingOutpoint.index,
          reason: `${s.failed}; the funding transaction was never seen, nothing was published (watched until block ${s.waitingSinceHeight + FUNDING_TIMEOUT_BLOCKS})`,
        };
      }
      return funded(entry, connected, base, keys);
    default:
      return funded(entry, connected, base, keys);
  }
}

/** A state holding commitments (or none: closed). */
function funded(entry: Entry, connected: boolean, base: ChannelInfoBase, keys: Pick<ChannelContext, 'channelKeys'> | undefined): ChannelInfo {
  const s = entry.state;
  if (!('commitments' in s)) {
    const closedBy =
      s.type === 'closed'
        ? {
            closingTxid: displayTxid(s.closingTxid),
            unilateral: s.outputs !== undefined,
            ...(s.opened ? { fundingTxid: displayTxid(s.opened.fundingOutpoint.txid), fundingOutputIndex: s.opened.fundingOutpoint.index } : {}),
          }
        : {};
    return { ...base, capacitySat: 0n, localMsat: 0n, remoteMsat: 0n, usable: false, ...closedBy, ...outputsOf(s, keys) };
  }
  const c = s.commitments;
  return {
    ...base,
    type: c.channelType,
    isFunder: c.isFunder,
    capacitySat: c.fundingSat,
    localMsat: c.localCommit.spec.toLocalMsat,
    remoteMsat: c.localCommit.spec.toRemoteMsat,
    usable: s.type === 'normal' && !s.syncing && connected && !entry.frozen,
    fundingTxid: displayTxid(c.fundingOutpoint.txid),
    fundingOutputIndex: c.fundingOutpoint.index,
    ...(s.type === 'wait-for-funding-confirmed' ? { minimumDepth: s.minimumDepth } : {}),
    ...('shortChannelId' in s && typeof s.shortChannelId === 'bigint' ? { shortChannelId: formatShortChannelId(s.shortChannelId) } : {}),
    ...(s.type === 'force-closing' ? { reason: s.reason } : {}),
    ...closingTxOf(s),
    ...outputsOf(s, keys),
  };
}

/** The transaction spending the funding output, once one is signed and published (BOLT 2 closing, BOLT 5). */
function closingTxOf(s: Entry['state']): Pick<ChannelInfo, 'closingTxid' | 'unilateral'> {
  if (s.type === 'closing') return { closingTxid: txidOfRaw(s.closingTx), unilateral: false };
  if (s.type !== 'force-closing') return {};
  if (s.spend) return { closingTxid: displayTxid(s.spend.txid), unilateral: true };
  return s.commitmentTx ? { closingTxid: txidOfRaw(s.commitmentTx), unilateral: true } : {};
}

/** BOLT 5: the closing outputs, once the reducer lists some (force-closing; closed keeps the final picture). */
function outputsOf(s: Entry['state'], keys: Pick<ChannelContext, 'channelKeys'> | undefined): { outputs?: NonNullable<ChannelInfo['outputs']> } {
  if (s.type !== 'force-closing' && s.type !== 'closed') return {};
  const outputs = closingOutputsInfo(s, keys);
  return outputs ? { outputs } : {};
}
