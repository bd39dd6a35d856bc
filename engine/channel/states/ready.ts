/**
 * `channel_ready` helpers shared by the funded states: ours (sent once the funding reaches
 * `minimum_depth`, after checking the outpoint pays exactly funding_satoshis to the funding script)
 * and the peer's (which may arrive before or after ours, and may be repeated with a new alias).
 */
import { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from '../../lib/bytes.ts';
import { perCommitmentPoint } from '../../keys/shachain.ts';
import type { ChannelReadyMessage } from '../../wire/messages/channel.ts';
import { fundingScriptPubKey } from '../commitments.ts';
import type { ChannelContext } from '../context.ts';
import type { FundingConfirmedEvent } from '../events.ts';
import type { Commitments, RemoteChannelReady } from '../types.ts';

/** Our `channel_ready`: the point of commitment #1 and a fresh random alias. */
export function ourChannelReady(c: Commitments, ctx: ChannelContext): { message: ChannelReadyMessage; alias: bigint } {
  const keys = ctx.channelKeys(c.channelIndex);
  const r = ctx.randomBytes(8);
  if (r.length < 8) throw new Error('randomBytes(8) returned fewer than 8 bytes');
  let alias = 0n;
  for (let i = 0; i < 8; i++) alias = (alias << 8n) | BigInt(r[i] as number);
  return {
    message: { type: 'channel_ready', channelId: c.channelId, secondPerCommitmentPoint: perCommitmentPoint(keys.shachainSeed, 1), shortChannelIdAlias: alias },
    alias,
  };
}

/** How a confirmation report relates to our funding output. */
export type FundingCheck =
  | { readonly kind: 'other-tx' }
  | { readonly kind: 'wrong-output'; readonly reason: string }
  | { readonly kind: 'ok' };

/** Is `e.rawTx` our funding transaction, and does it pay exactly the funding output? */
export function checkConfirmedFunding(c: Commitments, e: FundingConfirmedEvent): FundingCheck {
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(e.rawTx);
  } catch {
    return { kind: 'other-tx' };
  }
  if (!equalBytes(tx.getHash(), c.fundingOutpoint.txid)) return { kind: 'other-tx' };
  const index = c.fundingOutpoint.index;
  const out = tx.outs[index];
  if (!out) return { kind: 'wrong-output', reason: `funding transaction has no output ${index}` };
  if (!equalBytes(out.script, fundingScriptPubKey(c.localParams, c.remoteParams))) {
    return { kind: 'wrong-output', reason: `funding output ${index} does not pay the 2-of-2 funding script` };
  }
  if (out.value !== c.fundingSat) return { kind: 'wrong-output', reason: `funding output ${index} pays ${out.value} sat, not funding_satoshis ${c.fundingSat}` };
  return { kind: 'ok' };
}

/** A peer `channel_ready` against the one we already have: new, a repeat, a new alias, or a conflicting point. */
export type ReadyUpdate =
  | { readonly kind: 'new' | 'alias'; readonly ready: RemoteChannelReady }
  | { readonly kind: 'same' }
  | { readonly kind: 'conflict' };

export function remoteReadyUpdate(existing: RemoteChannelReady | undefined, m: ChannelReadyMessage): ReadyUpdate {
  const ready: RemoteChannelReady = {
    secondPerCommitmentPoint: m.secondPerCommitmentPoint,
    ...(m.shortChannelIdAlias !== undefined ? { alias: m.shortChannelIdAlias } : {}),
  };
  if (!existing) return { kind: 'new', ready };
  if (!equalBytes(existing.secondPerCommitmentPoint, m.secondPerCommitmentPoint)) return { kind: 'conflict' };
  // BOLT 2: a node "MAY send multiple channel_ready messages to the same peer with different alias values".
  if (m.shortChannelIdAlias !== undefined && m.shortChannelIdAlias !== existing.alias) return { kind: 'alias', ready };
  return { kind: 'same' };
}
