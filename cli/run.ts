/**
 * `glint run`: keep the node online — peers of our channels redialled, the chain followed,
 * channels served — until SIGINT or SIGTERM, then shut down cleanly: the API stops, `api.json`
 * is removed, peers are disconnected, every channel write already started completes, and the
 * wallet store is closed (its lock released).
 *
 * While it runs, the other commands on the same `--data` talk to it through the local API
 * (cli/api-server.ts). On start it prints one line, `{"nodeId", "network", "apiPort"}`; then one
 * line per payment change, `{"type": "payment", "payment": <a glint payments row>}` — incoming
 * payments are received (and claimed) by the running node, so this is where they show up live.
 */
import { errorMessage } from '../engine/index.ts';
import { stderrLogger } from './adapters/clock.ts';
import { removeApiFile, startApiServer, writeApiFile } from './api-server.ts';
import type { ParsedCommand } from './args.ts';
import { buildNode, type Env } from './node-host.ts';
import { paymentJson, type PaymentRecordLike } from './payment-json.ts';
import { requireData, withWallet } from './wallet.ts';

export async function runCommand(cmd: ParsedCommand, env: Env): Promise<undefined> {
  const dir = requireData(cmd);
  const logger = stderrLogger(cmd.global.logLevel);
  // withWallet takes the store lock first: a second `run` (or a command running in-process) on
  // the same directory fails here, and a stale api.json from a crashed run is simply replaced.
  await withWallet(cmd, env, async (wallet) => {
    const node = buildNode(cmd, env, wallet, { logger });
    // Payment lines wait for the start line (a restart may claim pending payments while starting).
    const early: string[] = [];
    let printing = false;
    const unsubscribe = node.subscribe((e) => {
      const line = paymentLine(e as { readonly type: string; readonly payment?: PaymentRecordLike });
      if (line === undefined) return;
      if (printing) process.stdout.write(line);
      else early.push(line);
    });
    await node.start();
    let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
    try {
      server = await startApiServer(node);
      await writeApiFile(dir, { port: server.port, token: server.token, pid: process.pid });
      process.stdout.write(`${JSON.stringify({ nodeId: node.nodeId, network: node.network, apiPort: server.port })}\n`);
      printing = true;
      for (const line of early.splice(0)) process.stdout.write(line);
      const signal = await new Promise<string>((resolve) => {
        const on = (s: string) => () => resolve(s);
        process.once('SIGINT', on('SIGINT'));
        process.once('SIGTERM', on('SIGTERM'));
      });
      logger.log('info', 'shutting down', { signal });
    } finally {
      if (server) {
        await removeApiFile(dir, server.token).catch((err: unknown) => logger.log('warn', 'could not remove api.json', { error: errorMessage(err) }));
        await server.close();
      }
      await node.stop();
      unsubscribe();
    }
  });
  return undefined;
}

/** A payment event of the node as one JSON line (with its newline); undefined for other events. */
function paymentLine(e: { readonly type: string; readonly payment?: PaymentRecordLike }): string | undefined {
  if (e.type !== 'payment' || !e.payment) return undefined;
  return `${JSON.stringify({ type: 'payment', payment: paymentJson(e.payment) })}\n`;
}
