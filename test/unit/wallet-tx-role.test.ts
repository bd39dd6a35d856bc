// What each wallet transaction did (workers/tx-roles.ts), from real transaction bytes
// through the wallet's ledger (engine/wallet/utxos.ts: the outpoints each spends) and the facts
// the channels report (ChannelInfo: funding outpoint, closing txid, BOLT 5 claims); and the
// worker's side (workers/tx-roles.ts, wallet-host.ts txDto) that carries them to the UI.
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { buildLedger, type KnownTx } from '../../engine/wallet/utxos.ts';
import { channelInfo } from '../../engine/node/channel-info.ts';
import type { Entry } from '../../engine/node/channel-chain.ts';
import { txRolesOf, walletTxRoles, type RoleChannel } from '../../workers/tx-roles.ts';
import { txDto } from '../../workers/wallet-host.ts';
import { parseWalletTx } from '../../workers/rpc/protocol.ts';

const spk = (b: number): Uint8Array => Uint8Array.from([0x00, 0x14, ...new Array(20).fill(b)]);
const OURS = spk(0xaa);
const OURS2 = spk(0xab);
const P2WSH = Uint8Array.from([0x00, 0x20, ...new Array(32).fill(0xcc)]); // funding / commitment outputs: not the wallet's
const THEIRS = spk(0xbb);
const owner = (hex: string): { chain: 0 | 1; index: number } | undefined =>
  hex === bytesToHex(OURS) ? { chain: 0, index: 0 } : hex === bytesToHex(OURS2) ? { chain: 1, index: 0 } : undefined;
const PEER = `02${'dd'.repeat(32)}`;

let salt = 0;
function tx(inputs: { txid: string; vout: number }[], outputs: { spk: Uint8Array; value: bigint }[]): Transaction {
  const t = new Transaction();
  t.version = 2;
  if (inputs.length === 0) t.addInput(Uint8Array.from({ length: 32 }, (_, i) => (i + ++salt) & 0xff), salt, 0xffffffff);
  for (const i of inputs) t.addInput(hexToBytes(i.txid).reverse(), i.vout, 0xfffffffd);
  for (const o of outputs) t.addOutput(o.spk, o.value);
  return t;
}
const known = (t: Transaction, status: KnownTx['status']): KnownTx => ({ txid: t.getId(), raw: t.toBuffer(), status });
const conf = (h: number): KnownTx['status'] => ({ confirmed: true, blockHeight: h, blockHash: '00'.repeat(32), blockTime: 1_700_000_000 + h });
const UNCONF = { confirmed: false } as const;
/** BOLT 2: channel_id = funding_txid (internal order) XOR funding_output_index in the last 2 bytes. */
function channelIdOf(fundingTxid: string, index: number): string {
  const b = hexToBytes(fundingTxid).reverse();
  b[30]! ^= index >> 8;
  b[31]! ^= index & 0xff;
  return bytesToHex(b);
}

describe('wallet transaction roles from channel facts', () => {
  // The wallet gets a coin, funds a channel from it (output 1: the 2-of-2), and the channel closes.
  const coin = tx([], [{ spk: OURS, value: 200_000n }]);
  const funding = tx([{ txid: coin.getId(), vout: 0 }], [{ spk: OURS2, value: 139_700n }, { spk: P2WSH, value: 60_000n }]);
  const fundingTxid = funding.getId();
  const channelId = channelIdOf(fundingTxid, 1);

  it('the wallet history lists the outpoints each transaction spends', () => {
    const l = buildLedger([known(coin, conf(1)), known(funding, conf(2))], owner, 2);
    const h = new Map(l.history.map((e) => [e.txid, e]));
    expect(h.get(fundingTxid)?.spends).toEqual([`${coin.getId()}:0`]);
    expect(h.get(coin.getId())?.spends).toEqual([`${bytesToHex(Uint8Array.from(coin.ins[0]!.hash).reverse())}:${coin.ins[0]!.index}`]);
  });

  it('mutual close: funding is channel-open, the close channel-close, a later spend of its coin a payment', () => {
    const close = tx([{ txid: fundingTxid, vout: 1 }], [{ spk: OURS, value: 59_000n }, { spk: THEIRS, value: 700n }]);
    const later = tx([{ txid: close.getId(), vout: 0 }], [{ spk: THEIRS, value: 58_000n }]);
    const incoming = tx([], [{ spk: OURS, value: 5_000n }]);
    const l = buildLedger([known(coin, conf(1)), known(funding, conf(2)), known(close, conf(5)), known(later, UNCONF), known(incoming, UNCONF)], owner, 5);
    // While closing (its commitments still held): the funding outpoint is what the close spends.
    const open: RoleChannel = { channelId, peer: PEER, fundingTxid, fundingOutputIndex: 1 };
    let roles = walletTxRoles(l.history, [open]);
    expect(roles.get(fundingTxid)).toEqual({ role: 'channel-open', channelId, peer: PEER });
    expect(roles.get(close.getId())).toEqual({ role: 'channel-close', channelId, peer: PEER });
    expect(roles.get(later.getId())).toEqual({ role: 'payment' });
    expect(roles.get(incoming.getId())).toEqual({ role: 'payment' });
    expect(roles.get(coin.getId())).toEqual({ role: 'payment' });
    // Closed: no funding outpoint any more; the channel_id still names its funding (BOLT 2), the closing txid its close.
    const closed: RoleChannel = { channelId, peer: PEER, closingTxid: close.getId(), unilateral: false };
    roles = walletTxRoles(l.history, [closed]);
    expect(roles.get(fundingTxid)?.role).toBe('channel-open');
    expect(roles.get(close.getId())?.role).toBe('channel-close');
    expect(roles.get(later.getId())?.role).toBe('payment'); // spending a mutual close's coin is no fee bump
    // No channel known (another wallet's, or none): payments.
    expect([...walletTxRoles(l.history, []).values()].every((r) => r.role === 'payment')).toBe(true);
    // A channel_id one byte off in the txid part names nothing.
    const other = `${channelId.slice(0, 10)}${channelId[10] === '0' ? '1' : '0'}${channelId.slice(11)}`;
    expect(walletTxRoles(l.history, [{ channelId: other, peer: PEER }]).get(fundingTxid)?.role).toBe('payment');
  });

  it('force close: sweeps, the anchor CPFP, a claim CPFP child and a justice claim by their roles; a later spend of a sweep is a payment', () => {
    const commitment = tx([{ txid: fundingTxid, vout: 1 }], [{ spk: P2WSH, value: 330n }, { spk: P2WSH, value: 330n }, { spk: P2WSH, value: 58_000n }, { spk: P2WSH, value: 1_000n }]);
    const cid = commitment.getId();
    const walletCoin = tx([], [{ spk: OURS2, value: 50_000n }]);
    // Before the commitment confirms: the anchor (output 0) CPFP'd with a wallet coin.
    const anchorCpfp = tx([{ txid: cid, vout: 0 }, { txid: walletCoin.getId(), vout: 0 }], [{ spk: OURS2, value: 49_500n }]);
    const sweep = tx([{ txid: cid, vout: 2 }], [{ spk: OURS, value: 57_500n }]);
    const sweepChild = tx([{ txid: sweep.getId(), vout: 0 }], [{ spk: OURS2, value: 57_000n }]);
    const laterPayment = tx([{ txid: sweep.getId(), vout: 0 }], [{ spk: THEIRS, value: 57_300n }]);
    const htlcClaim = tx([{ txid: cid, vout: 3 }], [{ spk: OURS, value: 800n }]);
    const outputs = [
      { outpoint: `${cid}:0`, kind: 'anchor', status: 'dust' },
      { outpoint: `${cid}:2`, kind: 'to_local', status: 'claimable', claimTxid: sweep.getId() },
      { outpoint: `${cid}:3`, kind: 'htlc-offered', status: 'claimable', claimTxid: htlcClaim.getId() },
    ];
    const forceClosing: RoleChannel = { channelId, peer: PEER, fundingTxid, fundingOutputIndex: 1, closingTxid: cid, unilateral: true, outputs };
    const base = [known(coin, conf(1)), known(funding, conf(2)), known(walletCoin, conf(2))];

    // The sweep and its CPFP child both unconfirmed; the anchor child before the outputs are listed.
    let l = buildLedger([...base, known(anchorCpfp, UNCONF), known(sweep, UNCONF), known(sweepChild, UNCONF), known(htlcClaim, UNCONF)], owner, 10);
    let roles = walletTxRoles(l.history, [{ ...forceClosing, outputs: [] }]);
    expect(roles.get(anchorCpfp.getId())).toEqual({ role: 'fee-bump', channelId, peer: PEER });
    roles = walletTxRoles(l.history, [forceClosing]);
    expect(roles.get(anchorCpfp.getId())?.role).toBe('fee-bump'); // spends the listed anchor
    expect(roles.get(sweep.getId())?.role).toBe('sweep');
    expect(roles.get(htlcClaim.getId())?.role).toBe('sweep');
    expect(roles.get(sweepChild.getId())?.role).toBe('fee-bump');
    expect(roles.get(fundingTxid)?.role).toBe('channel-open');
    // Both confirmed in one block: still the child of its claim.
    l = buildLedger([...base, known(sweep, conf(20)), known(sweepChild, conf(20))], owner, 20);
    expect(walletTxRoles(l.history, [forceClosing]).get(sweepChild.getId())?.role).toBe('fee-bump');
    // A payment made from the confirmed sweep's coin (an untrusted coin is never spent before it confirms).
    l = buildLedger([...base, known(sweep, conf(20)), known(laterPayment, UNCONF)], owner, 20);
    expect(walletTxRoles(l.history, [forceClosing]).get(laterPayment.getId())?.role).toBe('payment');
    l = buildLedger([...base, known(sweep, conf(20)), known(laterPayment, conf(21))], owner, 21);
    expect(walletTxRoles(l.history, [forceClosing]).get(laterPayment.getId())?.role).toBe('payment');

    // The chain kept an earlier version of the sweep than the replacement the channel records
    // (bcoin refuses BIP 125 replacements): that version is still the sweep (it spends the
    // listed output), and each child in its chain of CPFPs (output 0 to output 0) a fee bump.
    const earlier = tx([{ txid: cid, vout: 2 }], [{ spk: OURS, value: 57_900n }]);
    const child1 = tx([{ txid: earlier.getId(), vout: 0 }], [{ spk: OURS2, value: 57_400n }]);
    const child2 = tx([{ txid: child1.getId(), vout: 0 }], [{ spk: OURS2, value: 56_900n }]);
    l = buildLedger([...base, known(earlier, UNCONF), known(child1, UNCONF), known(child2, UNCONF)], owner, 21);
    roles = walletTxRoles(l.history, [forceClosing]);
    expect(roles.get(earlier.getId())?.role).toBe('sweep');
    expect(roles.get(child1.getId())).toEqual({ role: 'fee-bump', channelId, peer: PEER });
    expect(roles.get(child2.getId())?.role).toBe('fee-bump');
    l = buildLedger([...base, known(earlier, conf(22)), known(child1, conf(22)), known(child2, conf(23))], owner, 23);
    roles = walletTxRoles(l.history, [forceClosing]);
    expect(roles.get(child1.getId())?.role).toBe('fee-bump'); // mined with its parent
    expect(roles.get(child2.getId())?.role).toBe('payment'); // a block later: a spend of a confirmed coin
    // The funding's change is the wallet's own (trusted): spending it unconfirmed is a payment, not a bump.
    const fromChange = tx([{ txid: fundingTxid, vout: 0 }], [{ spk: THEIRS, value: 139_000n }]);
    l = buildLedger([known(coin, conf(1)), known(funding, UNCONF), known(fromChange, UNCONF)], owner, 1);
    expect(walletTxRoles(l.history, [forceClosing]).get(fromChange.getId())?.role).toBe('payment');

    // The peer's revoked commitment: our justice transaction takes its outputs.
    const revoked = tx([{ txid: fundingTxid, vout: 1 }], [{ spk: P2WSH, value: 40_000n }, { spk: P2WSH, value: 19_000n }]);
    const justice = tx([{ txid: revoked.getId(), vout: 0 }, { txid: revoked.getId(), vout: 1 }], [{ spk: OURS, value: 58_500n }]);
    const breached: RoleChannel = {
      channelId,
      peer: PEER,
      closingTxid: revoked.getId(),
      unilateral: true,
      outputs: [
        { outpoint: `${revoked.getId()}:0`, kind: 'to_remote', claimTxid: justice.getId() },
        { outpoint: `${revoked.getId()}:1`, kind: 'revoked-to_local', claimTxid: justice.getId() },
      ],
    };
    l = buildLedger([...base, known(justice, UNCONF)], owner, 30);
    expect(walletTxRoles(l.history, [breached]).get(justice.getId())?.role).toBe('penalty');
  });

  it('a closed channel reports what closed it (ChannelInfo closingTxid, unilateral)', () => {
    const closingTxid = 'ee'.repeat(32);
    const entry = (outputs?: []): Entry => ({ index: 3, scope: 'channel:3', peer: PEER, state: { type: 'closed', channelId: hexToBytes(channelId), closingTxid: hexToBytes(closingTxid).reverse(), ...(outputs ? { outputs } : {}) } }) as unknown as Entry;
    expect(channelInfo(entry(), false)).toMatchObject({ state: 'closed', channelId, closingTxid, unilateral: false });
    expect(channelInfo(entry([]), false)).toMatchObject({ closingTxid, unilateral: true });
  });

  it('the worker carries the role into WalletTxDto, which the UI validates; none while no node runs', () => {
    const l = buildLedger([known(coin, conf(1)), known(funding, conf(2))], owner, 2);
    const channels = [{ localId: 0, channelId, peer: PEER, state: 'wait-for-funding-confirmed', capacitySat: 60_000n, localMsat: 60_000_000n, remoteMsat: 0n, usable: false, fundingTxid, fundingOutputIndex: 1 }];
    const roles = txRolesOf(l.history, channels);
    const dto = txDto(l.history.find((t) => t.txid === fundingTxid)!, 2, roles?.get(fundingTxid));
    expect(dto).toMatchObject({ txid: fundingTxid, deltaSat: '-60300', role: 'channel-open', channelId, peer: PEER, confirmations: 1 });
    expect(parseWalletTx(structuredClone(dto))).toEqual(dto);
    expect(txRolesOf(l.history, undefined)).toBeUndefined();
    expect(txDto(l.history[0]!, 2, undefined)).not.toHaveProperty('role');
  });
});
