#!/usr/bin/env -S npx tsx
/**
 * `glint`: the headless Glint node for Node.js, on the same engine as the browser worker.
 * Every command prints one JSON object on stdout; on failure it exits non-zero with a one-line
 * reason on stderr.
 */
import { errorMessage, parseProxyUrl } from '../engine/index.ts';
import { nodeEntropy, stderrLogger } from './adapters/clock.ts';
import { allowOnly, parseArgs, stringFlag, type ParsedCommand } from './args.ts';
import { connectAndPing } from './connect.ts';
import { throwawayIdentity } from './identity.ts';

const HELP = `glint [global options] <command> [options]

Global options (before the command):
  --data <dir>         data directory (default: none; GLINT_DATA)
  --network <name>     bitcoin | testnet | signet | regtest (default bitcoin; GLINT_NETWORK)
  --esplora <url>      Esplora server base URL (used by chain commands; GLINT_ESPLORA)
  --log-level <level>  debug | info | warn | error, JSON lines on stderr (default warn)

Commands:
  connect <pubkey>@<host>:<port> [--proxy <url>]
      Connect to a Lightning peer, exchange init and one ping, print
      {"peer": <pubkey>, "features": {<name>: "required"|"optional"}, "pingMs": <n>}.
      --proxy: a WebSocket proxy base URL (e.g. ws://127.0.0.1:8080; /v1/<host with . as _>/<port>
      is appended) or a URL template containing {host} and {port}. The peer may also be given as
      <pubkey>@ws(s)://… to use a WebSocket directly.
  help
`;

async function run(cmd: ParsedCommand): Promise<unknown> {
  switch (cmd.command) {
    case undefined:
    case 'help':
      process.stdout.write(HELP);
      return undefined;
    case 'connect': {
      allowOnly(cmd.flags, ['--proxy']);
      const uri = cmd.positional[0];
      if (!uri || cmd.positional.length > 1) throw new Error('usage: glint connect <pubkey>@<host>:<port> [--proxy <url>]');
      const proxy = stringFlag(cmd.flags, '--proxy');
      if (proxy !== undefined) parseProxyUrl(proxy);
      const identity = await throwawayIdentity(cmd.global.data, nodeEntropy);
      return connectAndPing({ uri, proxy, network: cmd.global.network, nodeSecret: identity, logger: stderrLogger(cmd.global.logLevel) });
    }
    default:
      throw new Error(`unknown command "${cmd.command}" (try glint help)`);
  }
}

async function main(): Promise<void> {
  try {
    const cmd = parseArgs(process.argv.slice(2), process.env);
    const result = await run(cmd);
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exitCode = 0;
  } catch (err) {
    process.stderr.write(`glint: ${errorMessage(err).split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}

void main();
