/**
 * Reference number for "ours vs LDK": how long an LDK node takes to dial another LDK node over
 * loopback TCP and finish BOLT 8 + the init exchange.
 *
 * Each iteration is a fresh TCP connection. The clock starts just before the TCP connect and
 * stops when the initiator sees the peer in list_peers. That check runs inside the pump that
 * follows each socket read, so the number measures the protocol, not the 20 ms safety timer.
 * Between iterations the initiator disconnects and both sides wait until the peer is gone.
 */
import { performance } from 'node:perf_hooks';
import { LdkNode } from './node.ts';

export interface HandshakeBenchOptions {
  /** Untimed connections first, to warm the JIT and the WASM (default 1). */
  warmup?: number;
}

/** Milliseconds per iteration for TCP connect + BOLT 8 + init, LDK initiator → LDK listener. */
export async function measureLdkToLdkHandshake(iterations: number, options: HandshakeBenchOptions = {}): Promise<number[]> {
  const initiator = await LdkNode.create({ network: 'regtest', alias: 'bench-initiator' });
  const listener = await LdkNode.create({ network: 'regtest', alias: 'bench-listener' });
  try {
    const port = await listener.listen(0, '127.0.0.1');
    const once = async (): Promise<number> => {
      const start = performance.now();
      await initiator.connect(listener.nodeId, '127.0.0.1', port);
      const elapsed = performance.now() - start;
      initiator.disconnect(listener.nodeId);
      await Promise.all([initiator.waitForNoPeer(listener.nodeIdHex), listener.waitForNoPeer(initiator.nodeIdHex)]);
      return elapsed;
    };
    for (let i = 0; i < (options.warmup ?? 1); i++) await once();
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) times.push(await once());
    return times;
  } finally {
    await Promise.all([initiator.stop(), listener.stop()]);
  }
}
