/**
 * Issue 7 item 1, the crash-consistency suite: Glint (a GlintNode in a killable process,
 * test/harness/crash-env.ts) against a real LDK peer on the bcoin regtest chain. For each flow —
 * open (Glint funds / LDK funds), send, receive, update_fee (Glint sends / LDK sends),
 * cooperative close (Glint starts / LDK starts) — a first run records every persistence point of
 * the channel barrier (before the save, after the save before the sends, between two sends, after
 * the sends). Then, for EACH recorded point, on a fresh starting point: run the flow with the
 * process killed exactly there (no more writes, sockets dropped, timers stopped), restart a new
 * GlintNode from the same disk, reconnect to the same LDK node, reestablish, and finish the flow.
 * Every point must end with no force close on either side, both sides' balances equal to the
 * msat (and the amount expected), the payment paid once or failed with nothing in flight, and
 * the close completed cooperatively (test/harness/crash-flows.ts). The number of points covered
 * per flow and in total is printed.
 *
 * One chain and two LDK nodes serve every point; the starting points of a flow are prepared in one
 * batch (one block mined for all of them). `CRASH_FLOWS=send,receive` runs only the flows whose
 * names contain one of the words (debugging). Debug with `GLINT_LOG=1` / `LDK_LOG=1`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorMessage } from '../../engine/lib/errors.ts';
import { bootGlint, targetsOf, type CrashTarget, type GlintProcess } from '../harness/crash-env.ts';
import {
  coopClose,
  glintUpdateFee,
  ldkUpdateFee,
  openGlintFunder,
  openLdkFunder,
  receivePayment,
  sendPayment,
  trackBlocks,
  usable,
  watchClosures,
  type Closures,
  type Ctx,
  type Flow,
} from '../harness/crash-flows.ts';
import { ldkPeer, startWorld, stopWorld, type LdkPeer, type World } from '../harness/glint-ldk.ts';

let w: World;
let peer: LdkPeer;
let feePeer: LdkPeer;
let closures: Closures;
let feeClosures: Closures;
const covered = new Map<string, number>();

beforeAll(async () => {
  w = await startWorld();
  trackBlocks(w);
  peer = await ldkPeer(w, 'crash-ldk');
  // LDK's fee estimate moves for the update_fee flow: its own node, so no other channel follows it.
  feePeer = await ldkPeer(w, 'crash-ldk-fee');
  closures = watchClosures(peer.node);
  feeClosures = watchClosures(feePeer.node);
  await w.chain.mine(1);
}, 120_000);

afterAll(async () => {
  const total = [...covered.values()].reduce((a, b) => a + b, 0);
  console.log(`crash-consistency: ${total} crash points covered in all (${[...covered].map(([f, n]) => `${f}: ${n}`).join(', ')})`);
  await stopWorld(w);
});

const FLOWS: [string, () => Flow][] = [
  ['open (Glint funds)', () => openGlintFunder(w, peer, closures)],
  ['open (LDK funds)', () => openLdkFunder(w, peer, closures)],
  ['send a payment', () => sendPayment(w, peer, closures)],
  ['receive a payment', () => receivePayment(w, peer, closures)],
  ['update_fee (Glint sends)', () => glintUpdateFee(w, peer, closures)],
  ['update_fee (LDK sends)', () => ldkUpdateFee(w, feePeer, feeClosures)],
  ['cooperative close (Glint starts)', () => coopClose(w, peer, closures, 'glint')],
  ['cooperative close (LDK starts)', () => coopClose(w, peer, closures, 'ldk')],
];
/** Milliseconds spent per phase (printed per flow with CRASH_PROFILE=1). */
const profile = new Map<string, number>();
async function timed<T>(phase: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    profile.set(phase, (profile.get(phase) ?? 0) + performance.now() - t0);
  }
}
/** Crash points run at once (per flow; `CRASH_PARALLEL=1` runs them one by one). */
const PARALLEL = Math.max(1, Number(process.env['CRASH_PARALLEL'] ?? 4));
const only = (process.env['CRASH_FLOWS'] ?? '').split(',').filter((s) => s !== '');
const selected = FLOWS.filter(([name]) => only.length === 0 || only.some((o) => name.includes(o)));

/** The flow, then every batch it left to the barrier (trailing writes are persistence points too). */
async function runToIdle(flow: Flow, p: GlintProcess, c: Ctx): Promise<void> {
  await flow.run(p, c);
  await p.node.idle();
}

/**
 * The process a point runs in, armed (crashing at `target` if given): booted armed for an opening
 * flow (its points count from the start), else the one that prepared the channel, once usable.
 */
async function process1(flow: Flow, c: Ctx, target?: CrashTarget): Promise<GlintProcess> {
  if (flow.armAtBoot) return bootGlint(w, c.disk, { armed: true, ...(target ? { crashAt: target } : {}) });
  const p = c.live ?? (await bootGlint(w, c.disk));
  c.live = undefined;
  await usable(p, c);
  p.arm(target);
  return p;
}

/** One crash run: the flow killed at `target`, a restart from the disk, the flow finished and verified. */
async function crashAndRecover(flow: Flow, c: Ctx, target: CrashTarget): Promise<void> {
  const first = await timed('boot 1', () => process1(flow, c, target));
  const running = runToIdle(flow, first, c);
  const outcome = await timed('run to crash', () => Promise.race([
    running.then(
      () => 'the flow finished',
      (err: unknown) => `the flow failed (${errorMessage(err)})`,
    ),
    first.crashed.then(() => 'crashed'),
  ]));
  if (outcome !== 'crashed') {
    await first.stop();
    throw new Error(`the point was not reached: ${outcome}`);
  }
  // The peer sees the connection drop, as after any crash; the process is gone.
  await timed('peer gone', () => c.peer.node.waitForNoPeer(first.node.nodeId, 20_000));
  const second = await timed('boot 2', () => bootGlint(w, c.disk));
  try {
    await timed('finish', () => flow.finish(second, c));
    await timed('verify', () => flow.verify(second, c));
  } finally {
    await timed('stop', () => second.stop());
  }
}

describe('crash consistency against LDK: every persistence point of every flow recovers', () => {
  test.each(selected)('%s', async (name, make) => {
    const flow = make();
    // 1. Record every point of one uninterrupted run (which must itself pass the checks).
    profile.clear();
    const [rec] = await timed('prepare', () => flow.prepare(1));
    const p = await process1(flow, rec!);
    await runToIdle(flow, p, rec!);
    await flow.verify(p, rec!);
    await p.stop();
    const targets = targetsOf(p.points);
    expect(targets.length).toBeGreaterThan(0);

    // 2. A crash at each of them, each on a fresh starting point.
    const starts = await timed('prepare', () => flow.prepare(targets.length));
    const failures: string[] = [];
    // The points are independent (each its own disk, node id and channel with the peer): a few at a time.
    const lanes = flow.parallel ? PARALLEL : 1;
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < targets.length; i = next++) {
        const t = targets[i]!;
        try {
          await crashAndRecover(flow, starts[i]!, t);
        } catch (err) {
          failures.push(`point ${i + 1}/${targets.length} «${t.signature}» (occurrence ${t.occurrence}): ${errorMessage(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    covered.set(name, targets.length - failures.length);
    console.log(`crash-consistency: ${name}: ${targets.length} points, ${targets.length - failures.length} recovered${failures.length ? `\n  ${failures.join('\n  ')}` : ''}`);
    if (process.env['CRASH_PROFILE'] === '1') console.log(`crash-consistency: ${name} profile (ms): ${[...profile].map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`);
    expect(failures).toEqual([]);
  }, 1_800_000);
});
