/**
 * The `glint` payment commands against a real LDK node on the real bcoin regtest chain, with
 * `glint run` in the background (its local API): an invoice made in-process before `run` and paid
 * once it runs, `glint decode` of an LDK invoice offline (no --data), `glint pay` of an LDK invoice (succeeded, the preimage hashes to the invoice's hash,
 * LDK claimed it once even when paid twice), `glint invoice` paid by LDK (fixed and any amount),
 * keysend both ways, a payment LDK refuses ends `failed` with a reason and exit 1, `glint
 * payments` lists them all, `glint run` prints a JSON line per payment change, and both sides'
 * balances agree to the msat at the end; after `run` stops, `glint payments` in-process reads
 * the same history from the store.
 *
 * Debug with `GLINT_LOG=debug` (the node's JSON log of `glint run` on stderr is kept in `rig.runLog`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CliLdkRig, glint, initWallet, type ChannelRow } from '../harness/cli-node.ts';

let rig: CliLdkRig;
/** `glint run`'s stdout lines after the start line, parsed. */
const runLines: { type: string; payment: PaymentRow }[] = [];

interface PaymentRow {
  paymentHash: string;
  direction: 'outgoing' | 'incoming';
  kind: 'invoice' | 'keysend';
  status: 'pending' | 'succeeded' | 'failed';
  amountMsat: number;
  feeMsat: number;
  preimage: string | null;
  reason: string | null;
  invoice: string | null;
  htlcs: { channelId: string; amountMsat: number; cltvExpiry: number; status: string }[];
}

interface PayOut {
  status: string;
  preimage: string | null;
  feeMsat: number;
  ms: number;
  reason: string | null;
}

const sha256 = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const noPass = { GLINT_PASSPHRASE: '' };

beforeAll(async () => {
  rig = await CliLdkRig.start({ alias: 'ldk-cli-pay', config: { minimumDepth: 1, maxInboundHtlcValueInFlightPercent: 100 }, dirPrefix: 'glint-cli-payments-' });
}, 60_000);

afterAll(async () => {
  await rig?.close();
});

async function payments(): Promise<PaymentRow[]> {
  const r = await glint(rig.node('payments'), noPass);
  expect(r.stderr).toBe('');
  return r.json as PaymentRow[];
}

describe('glint payment commands with a real LDK peer on regtest', () => {
  let channelId: string;
  let nodeId: string;
  let offlineInvoice: { bolt11: string; paymentHash: string };

  test('a funded channel to LDK, usable, with glint run up', async () => {
    nodeId = (await initWallet(rig.data)).nodeId; // cheap scrypt; `glint init` is cli-wallet's
    const address = ((await glint(rig.node('address'))).json as { address: string }).address;
    await rig.chain.faucet(address, 1_000_000);
    // Without glint run, an invoice is made in-process (it is paid once a node runs, below).
    const offline = await glint(rig.node('invoice', '6000000', '--description', 'made offline'));
    expect(offline.stderr).toBe('');
    expect(offline.code).toBe(0);
    offlineInvoice = offline.json as { bolt11: string; paymentHash: string };
    await rig.startRun();
    let out = '';
    rig.run!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('{"type":"payment"')) runLines.push(JSON.parse(line) as { type: string; payment: PaymentRow });
    });
    const open = await glint(rig.node('open', `${rig.peer.node.nodeIdHex}@127.0.0.1:${rig.peer.port}`, '200000', '--push-msat', '100000000'), noPass);
    expect(open.stderr).toBe('');
    channelId = (open.json as { channelId: string }).channelId;
    await rig.chain.mine(1);
    await rig.until(async () => {
      const c = ((await glint(rig.node('channels'), noPass)).json as ChannelRow[]).find((x) => x.channelId === channelId);
      return c?.usable ? c : undefined;
    }, 'the channel usable');
    expect(await payments()).toEqual([expect.objectContaining({ paymentHash: offlineInvoice.paymentHash, direction: 'incoming', status: 'pending' })]);
  }, 120_000);

  test('glint decode of an LDK invoice works offline (no --data) and honours --network', async () => {
    const bolt11 = rig.peer.node.createInvoice({ amountMsat: 1_234_000n, description: 'decode me' });
    const r = await glint(['decode', bolt11]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = r.json as Record<string, unknown>;
    expect(d).toMatchObject({
      bolt11,
      network: 'regtest',
      amountMsat: 1_234_000,
      description: 'decode me',
      payee: rig.peer.node.nodeIdHex,
      paymentHash: rig.peer.node.payments.paymentHashOf(bolt11),
      expired: false,
      featureProblem: null,
    });
    expect(d.features).toMatchObject({ payment_secret: 'required' });
    const wrong = await glint(['--network', 'bitcoin', 'decode', bolt11]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/^glint: network: .*regtest/);
  });

  test('glint pay of an LDK invoice → succeeded with the preimage; paying it again does not pay twice', async () => {
    const bolt11 = rig.peer.node.createInvoice({ amountMsat: 2_000_000n, description: 'tea' });
    const hash = rig.peer.node.payments.paymentHashOf(bolt11);
    const r = await glint(rig.node('pay', bolt11), noPass);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json as PayOut;
    expect(Object.keys(out)).toEqual(['status', 'preimage', 'feeMsat', 'ms', 'reason']);
    expect(out).toMatchObject({ status: 'succeeded', feeMsat: 0, reason: null });
    expect(sha256(out.preimage!)).toBe(hash);
    expect(await rig.peer.node.waitForClaimed(hash)).toMatchObject({ amountMsat: 2_000_000n });
    const again = await glint(rig.node('pay', bolt11), noPass);
    expect(again.code).toBe(0);
    expect((again.json as PayOut).preimage).toBe(out.preimage);
    expect(rig.peer.node.claimed().filter((c) => c.paymentHash === hash)).toHaveLength(1);
    const row = (await payments()).find((p) => p.paymentHash === hash);
    expect(row).toMatchObject({ direction: 'outgoing', kind: 'invoice', status: 'succeeded', amountMsat: 2_000_000, preimage: out.preimage, invoice: bolt11 });
  });

  test('glint invoice paid by LDK: a fixed amount and an any-amount one; glint run prints the payment lines', async () => {
    const r = await glint(rig.node('invoice', '20000000', '--description', 'coffee', '--expiry', '600'), noPass);
    expect(r.stderr).toBe('');
    const inv = r.json as { bolt11: string; paymentHash: string };
    expect(Object.keys(inv)).toEqual(['bolt11', 'paymentHash']);
    const decoded = (await glint(['decode', inv.bolt11])).json as Record<string, unknown>;
    expect(decoded).toMatchObject({ amountMsat: 20_000_000, description: 'coffee', expirySec: 600, paymentHash: inv.paymentHash, network: 'regtest' });
    const sent = await rig.peer.node.payInvoice(inv.bolt11);
    expect(sha256(sent.preimage)).toBe(inv.paymentHash);
    const row = await rig.until(async () => (await payments()).find((p) => p.paymentHash === inv.paymentHash && p.status === 'succeeded'), 'the incoming payment succeeded');
    expect(row).toMatchObject({ direction: 'incoming', kind: 'invoice', amountMsat: 20_000_000, preimage: sent.preimage });
    await rig.until(async () => runLines.find((l) => l.payment.paymentHash === inv.paymentHash && l.payment.status === 'succeeded'), 'glint run to print the incoming payment');

    // The invoice made while no node ran is paid now that one does.
    const late = await rig.peer.node.payInvoice(offlineInvoice.bolt11);
    expect(sha256(late.preimage)).toBe(offlineInvoice.paymentHash);
    await rig.until(async () => (await payments()).find((p) => p.paymentHash === offlineInvoice.paymentHash && p.status === 'succeeded'), 'the offline-made invoice paid');

    const any = (await glint(rig.node('invoice', 'any'), noPass)).json as { bolt11: string; paymentHash: string };
    expect(((await glint(['decode', any.bolt11])).json as { amountMsat: unknown }).amountMsat).toBeNull();
    await rig.peer.node.payInvoice(any.bolt11, { amountMsat: 7_770_000n });
    const anyRow = await rig.until(async () => (await payments()).find((p) => p.paymentHash === any.paymentHash && p.status === 'succeeded'), 'the any-amount payment succeeded');
    expect(anyRow.amountMsat).toBe(7_770_000);
  });

  test('keysend both ways', async () => {
    const r = await glint(rig.node('keysend', rig.peer.node.nodeIdHex, '400000'), noPass);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json as PayOut;
    expect(out.status).toBe('succeeded');
    await rig.peer.node.waitForClaimed(sha256(out.preimage!));
    const sent = await rig.peer.node.keysend(Uint8Array.from(Buffer.from(nodeId, 'hex')), 5_000_000n);
    const row = await rig.until(async () => (await payments()).find((p) => p.paymentHash === sent.paymentHash && p.status === 'succeeded'), 'the keysend received');
    expect(row).toMatchObject({ direction: 'incoming', kind: 'keysend', amountMsat: 5_000_000 });
  });

  test('a payment LDK refuses ends failed with a reason: JSON on stdout, exit 1; the HTLC is gone on both sides', async () => {
    const bolt11 = rig.peer.node.createInvoice({ amountMsat: 1_000_000n });
    const hash = rig.peer.node.payments.paymentHashOf(bolt11);
    rig.peer.node.failHtlcsFor(hash);
    const r = await glint(rig.node('pay', bolt11), noPass);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const out = r.json as PayOut;
    expect(out).toMatchObject({ status: 'failed', preimage: null });
    expect(out.reason).toMatch(/\w{4,}/);
    await rig.peer.node.waitForNoPendingHtlcs();
    expect((await payments()).find((p) => p.paymentHash === hash)).toMatchObject({ status: 'failed', reason: out.reason });
  });

  test('bad input is refused with one line naming the field, before anything is paid', async () => {
    const before = (await payments()).length;
    const cases: [string[], RegExp][] = [
      [['pay', 'hello'], /^glint: bolt11: /],
      [['pay', rig.peer.node.createInvoice({ amountMsat: 1000n }), '--amount-msat', 'x'], /^glint: --amount-msat: /],
      [['keysend', rig.peer.node.nodeIdHex, '-1'], /^glint: msat: /],
      [['invoice', '1000', '--bogus'], /^glint: --bogus: /],
      [['invoice', '99999999999999999999'], /^glint: msat: /],
    ];
    for (const [args, why] of cases) {
      const r = await glint(rig.node(...args), noPass);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(why);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    // A mainnet invoice (BOLT 11's first example) reaches the node, which refuses it for its network.
    const vectors = JSON.parse(readFileSync(new URL('../vectors/bolt11-invoices.json', import.meta.url), 'utf8')) as { valid: { invoice: string }[] };
    const mainnet = await glint(rig.node('pay', vectors.valid[0]!.invoice), noPass);
    expect(mainnet.code).toBe(1);
    expect(mainnet.stderr).toMatch(/network/);
    expect((await payments()).length).toBe(before);
  });

  test('glint payments lists everything newest first, and both sides agree on the channel balance to the msat', async () => {
    const rows = await payments();
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(rows.some((p) => p.direction === 'outgoing' && p.status === 'succeeded')).toBe(true);
    expect(rows.some((p) => p.direction === 'incoming' && p.status === 'succeeded')).toBe(true);
    const created = rows.map((p) => (p as PaymentRow & { createdAtSec: number }).createdAtSec);
    expect(created).toEqual([...created].sort((x, y) => y - x));
    await rig.peer.node.waitForNoPendingHtlcs();
    const ours = await rig.until(async () => {
      const c = ((await glint(rig.node('channels'), noPass)).json as ChannelRow[]).find((x) => x.channelId === channelId);
      const ldk = rig.peer.node.channelBalances().find((x) => x.channelId === channelId);
      return c && ldk && BigInt(c.remoteMsat) === ldk.balanceMsat ? c : undefined;
    }, 'both balances to agree');
    // Out: 2 000 000 + 400 000 (no fees, direct). In: 20 000 000 + 6 000 000 + 7 770 000 + 5 000 000. Pushed 100 000 000.
    expect(ours.remoteMsat).toBe(100_000_000 + 2_000_000 + 400_000 - 20_000_000 - 6_000_000 - 7_770_000 - 5_000_000);
    // Settled balances (pending HTLCs excluded) add up to the capacity: nothing lost or made up.
    expect(ours.localMsat + ours.remoteMsat).toBe(200_000_000);
  });

  test('after glint run stops (SIGTERM), glint payments runs in-process and lists the same history', async () => {
    const online = await payments();
    rig.run!.kill('SIGTERM');
    expect(await rig.runExit).toBe(0);
    const r = await glint(rig.node('payments'));
    expect(r.stderr).toBe('');
    expect(r.json).toEqual(online);
  });
});
