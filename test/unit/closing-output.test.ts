// How a force-closed channel's outputs read on the Channels screen (app/lib/closing-output.ts).
import { describe, expect, it } from 'vitest';
import { allSettled, closingKindLabel, closingOutputText } from '../../app/lib/closing-output.ts';
import { CLOSING_OUTPUT_KINDS, type ClosingOutputDto } from '../../workers/rpc/protocol.ts';

const TXID = 'ab'.repeat(32);
const out = (patch: Partial<ClosingOutputDto>): ClosingOutputDto => ({
  outpoint: `${TXID}:0`,
  kind: 'to_local',
  amountSat: '24000',
  status: 'waiting',
  availableAtHeight: 250,
  blocksLeft: 144,
  claimTxid: null,
  ...patch,
});

describe('closing outputs: words', () => {
  it('waiting counts the blocks left from the tip, else names the height', () => {
    expect(closingOutputText(out({}))).toEqual({ text: 'waiting for 144 blocks', tone: 'pending', claimTxid: null });
    expect(closingOutputText(out({ blocksLeft: 1 })).text).toBe('waiting for 1 block');
    expect(closingOutputText(out({ blocksLeft: 0 })).text).toBe('claimable from the next block');
    expect(closingOutputText(out({ blocksLeft: null })).text).toBe('waiting until block 250');
    expect(closingOutputText(out({ blocksLeft: null, availableAtHeight: null })).text).toBe('waiting');
  });

  it('claimable, claimed in tx X (the txid to show), taken by the peer, dust', () => {
    expect(closingOutputText(out({ status: 'claimable', blocksLeft: null }))).toEqual({ text: 'claimable', tone: 'pending', claimTxid: null });
    expect(closingOutputText(out({ status: 'claimable', claimTxid: TXID }))).toEqual({ text: 'claimable: being claimed in tx', tone: 'pending', claimTxid: TXID });
    expect(closingOutputText(out({ status: 'claimed', claimTxid: TXID }))).toEqual({ text: 'claimed in tx', tone: 'ok', claimTxid: TXID });
    expect(closingOutputText(out({ status: 'theirs' })).text).toBe('taken by the peer');
    expect(closingOutputText(out({ status: 'dust' })).text).toBe('too small to claim (dust)');
  });

  it('every kind has a label; settled once nothing waits or is claimable', () => {
    for (const k of CLOSING_OUTPUT_KINDS) expect(closingKindLabel(k)).toMatch(/\w/);
    expect(allSettled([out({ status: 'claimed' }), out({ status: 'theirs' }), out({ status: 'dust' })])).toBe(true);
    expect(allSettled([out({ status: 'claimed' }), out({ status: 'claimable' })])).toBe(false);
    expect(allSettled([out({})])).toBe(false);
  });
});
