/**
 * The peer refused our anchors channel (an `error` answering open_channel): propose the same
 * channel once more as static_remotekey, as a new channel (new keys, new temporary id) — what
 * LDK does for its own refused opens. Reported as `open-retried` (ChannelManager).
 */
import { newOutboundChannel, type ChannelEvent, type ChannelState, type Transition } from '../channel/index.ts';
import { hexToBytes } from '../lib/bytes.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../ports.ts';
import type { Entry } from './channel-chain.ts';
import { rejectionOf } from './channel-close.ts';
import type { ChannelInfo, ChannelManagerEvent } from './channel-ports.ts';

export interface OpenRetryHost {
  readonly logger: Logger;
  readonly entries: Entry[];
  isConnected(peer: string): boolean;
  newEntry(peer: string, make: (index: number) => ChannelState): Entry;
  dispatch(entry: Entry, event: ChannelEvent): Transition | undefined;
  info(entry: Entry): ChannelInfo;
  notify(e: ChannelManagerEvent): void;
}

export function retryStaticRemoteKey(host: OpenRetryHost, previous: Entry, o: Extract<ChannelState, { type: 'wait-for-accept-channel' }>['opening'], reason: string): void {
  const peer = previous.peer;
  if (!host.isConnected(peer)) {
    host.logger.log('info', 'anchors open refused; peer gone, not retried', { peer, reason });
    return;
  }
  let entry: Entry;
  try {
    entry = host.newEntry(peer, (index) => newOutboundChannel(index));
  } catch (err) {
    host.logger.log('warn', 'anchors open refused; could not retry', { peer, error: errorMessage(err) });
    return;
  }
  const t = host.dispatch(entry, {
    type: 'open',
    peerNodeId: hexToBytes(peer),
    fundingSat: o.fundingSat,
    pushMsat: o.pushMsat,
    channelType: 'static_remotekey',
    feeratePerKw: o.feeratePerKw,
    announceChannel: (o.channelFlags & 1) === 1,
    ...(o.localParams.upfrontShutdownScript && o.localParams.upfrontShutdownScript.length > 0 ? { upfrontShutdownScript: o.localParams.upfrontShutdownScript } : {}),
  });
  if (!t || rejectionOf(t)) {
    host.entries.splice(host.entries.indexOf(entry), 1);
    host.logger.log('warn', 'anchors open refused; the static_remotekey retry was refused too', { peer, reason });
    return;
  }
  host.logger.log('info', 'anchors open refused by the peer; retrying as static_remotekey', { peer, reason, localId: entry.index });
  void entry.last.then(() => host.notify({ type: 'open-retried', previous: host.info(previous), channel: host.info(entry), reason }));
}
