/**
 * How a force-closed channel's outputs read on its card (BOLT 5: each output of the confirmed
 * commitment, and of our second-stage HTLC transactions, until everything is back in the wallet).
 * Pure: the worker's ClosingOutputDto in, words out.
 */
import type { ClosingOutputDto, ClosingOutputKindDto } from '../../workers/rpc/protocol.ts';

const KIND_LABEL: Record<ClosingOutputKindDto, string> = {
  to_local: 'Your balance (after the delay)',
  to_remote: 'Your balance',
  'htlc-offered': 'Outgoing payment (HTLC)',
  'htlc-received': 'Incoming payment (HTLC)',
  anchor: 'Anchor',
  'revoked-to_local': 'The peer’s revoked balance (penalty)',
  'revoked-htlc': 'Revoked HTLC (penalty)',
  'second-stage': 'HTLC second stage',
};

export function closingKindLabel(kind: ClosingOutputKindDto): string {
  return KIND_LABEL[kind];
}

/** `claimTxid`: the claim transaction to show (short and copyable) after the words, if any. */
export interface ClosingOutputText {
  text: string;
  tone: 'pending' | 'ok' | 'done';
  claimTxid: string | null;
}

/** What is happening to one output: waiting for N blocks, claimable, claimed in tx …, taken by the peer. */
export function closingOutputText(o: ClosingOutputDto): ClosingOutputText {
  switch (o.status) {
    case 'waiting': {
      if (o.blocksLeft !== null && o.blocksLeft > 0) return { text: `waiting for ${o.blocksLeft} ${o.blocksLeft === 1 ? 'block' : 'blocks'}`, tone: 'pending', claimTxid: null };
      if (o.blocksLeft === 0) return { text: 'claimable from the next block', tone: 'pending', claimTxid: null };
      return { text: o.availableAtHeight !== null ? `waiting until block ${o.availableAtHeight}` : 'waiting', tone: 'pending', claimTxid: null };
    }
    case 'claimable':
      return o.claimTxid ? { text: 'claimable: being claimed in tx', tone: 'pending', claimTxid: o.claimTxid } : { text: 'claimable', tone: 'pending', claimTxid: null };
    case 'claimed':
      return { text: 'claimed in tx', tone: 'ok', claimTxid: o.claimTxid };
    case 'theirs':
      return { text: 'taken by the peer', tone: 'done', claimTxid: null };
    case 'dust':
      return { text: 'too small to claim (dust)', tone: 'done', claimTxid: null };
  }
}

/** Every output settled (claimed, the peer's, or dust): the channel's money is back in the wallet. */
export function allSettled(outputs: readonly ClosingOutputDto[]): boolean {
  return outputs.every((o) => o.status === 'claimed' || o.status === 'theirs' || o.status === 'dust');
}
