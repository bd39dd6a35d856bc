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
import { addressCommand, balanceCommand, initCommand, mnemonicCommand, sendCommand, walletNodeSecret } from './wallet.ts';

const HELP = `glint [global options] <command> [options]

Global options (before the command):
  --data <dir>             data directory holding the encrypted wallet (GLINT_DATA)
  --network <name>         bitcoin | testnet | signet | regtest (GLINT_NETWORK; init defaults to
                           bitcoin, other commands use the wallet's network)
  --esplora <url>          Esplora server base URL, e.g. http://127.0.0.1:3002 (GLINT_ESPLORA)
  --passphrase-file <f>    file holding the wallet passphrase (or GLINT_PASSPHRASE)
  --log-level <level>      debug | info | warn | error, JSON lines on stderr (default warn)

Commands:
  connect <pubkey>@<host>:<port> [--proxy <url>]
      Connect to a Lightning peer, exchange init and one ping, print
      {"peer": <pubkey>, "features": {<name>: "required"|"optional"}, "pingMs": <n>}.
      --proxy: a WebSocket proxy base URL (e.g. ws://127.0.0.1:8080; /v1/<host with . as _>/<port>
      is appended) or a URL template containing {host} and {port}. The peer may also be given as
      <pubkey>@ws(s)://… to use a WebSocket directly.
      With a wallet in --data, the wallet's node key is the identity; otherwise a throwaway key.
  init [--mnemonic-file <f>]
      Create a wallet in --data (24 new words, or restore the words in <f>), encrypted with the
      passphrase. Prints {"nodeId", "network"}. Back the words up with: glint mnemonic
  mnemonic
      Print {"words": [...]} (the wallet's seed words; keep them secret).
  address
      Sync, then print {"address"}: a fresh BIP 84 receive address.
  balance
      Sync, then print {"confirmedSat", "unconfirmedSat", "spendableSat", "immatureSat"}.
  send <address> <sats|max> [--feerate <sat/vB>]
      Pay an address (fee rate from the server's estimates unless given); prints {"txid", "feeSat"}.
  help

Key derivation (so the seed restores elsewhere): BIP 39 seed; node key m/1017'/c'/6'/0/0;
on-chain BIP 84 m/84'/c'/0'/{0,1}/i; c = 0 on bitcoin, 1 on testnet/signet/regtest.
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
      const identity = (await walletNodeSecret(cmd, process.env)) ?? throwawayIdentity(nodeEntropy);
      return connectAndPing({ uri, proxy, network: cmd.global.network ?? 'bitcoin', nodeSecret: identity, logger: stderrLogger(cmd.global.logLevel) });
    }
    case 'init':
      allowOnly(cmd.flags, ['--mnemonic-file', '--passphrase-file']);
      return initCommand(cmd, process.env);
    case 'mnemonic':
      allowOnly(cmd.flags, ['--passphrase-file']);
      return mnemonicCommand(cmd, process.env);
    case 'address':
      allowOnly(cmd.flags, ['--passphrase-file']);
      return addressCommand(cmd, process.env);
    case 'balance':
      allowOnly(cmd.flags, ['--passphrase-file']);
      return balanceCommand(cmd, process.env);
    case 'send':
      allowOnly(cmd.flags, ['--feerate', '--passphrase-file']);
      return sendCommand(cmd, process.env);
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
