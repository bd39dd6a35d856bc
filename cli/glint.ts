#!/usr/bin/env -S npx tsx
/**
 * `glint`: the headless Glint node for Node.js, on the same engine as the browser worker.
 * Every command prints one JSON object on stdout; on failure it exits non-zero with a one-line
 * reason on stderr.
 */
import { NETWORKS, PLAYGROUND_ESPLORA_URL, defaultEsploraUrl, errorMessage, parseProxyUrl } from '../engine/index.ts';
import { nodeEntropy, stderrLogger } from './adapters/clock.ts';
import { allowOnly, parseArgs, stringFlag, type ParsedCommand } from './args.ts';
import { connectAndPing } from './connect.ts';
import { throwawayIdentity } from './identity.ts';
import { backupCommand } from './backup.ts';
import { balanceCommand, channelsCommand, closeCommand, openCommand, trustCommand } from './channels.ts';
import { runCommand } from './run.ts';
import { CommandOutput, decodeCommand, invoiceCommand, keysendCommand, payCommand, paymentsCommand } from './payments.ts';
import { addressCommand, initCommand, mnemonicCommand, sendCommand, walletNodeSecret } from './wallet.ts';

const HELP = `glint [global options] <command> [options]

Global options (before the command):
  --data <dir>             data directory holding the encrypted wallet (GLINT_DATA)
  --network <name>         bitcoin | testnet | signet | regtest (GLINT_NETWORK; init defaults to
                           bitcoin, other commands use the wallet's network)
  --esplora <url>          Esplora server base URL (GLINT_ESPLORA). Default per network:
${NETWORKS.map((n) => `                             ${n.padEnd(8)} ${defaultEsploraUrl(n) ?? `none: give one, e.g. the playground's ${PLAYGROUND_ESPLORA_URL}`}`).join('\n')}
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
      passphrase. Prints {"nodeId", "network", "esplora"} (esplora: the server the chain
      commands use on this network, --esplora or the default above; null for regtest without it).
      Back the words up with: glint mnemonic
  mnemonic
      Print {"words": [...]} (the wallet's seed words; keep them secret).
  address
      Sync, then print {"address"}: a fresh BIP 84 receive address.
  balance
      Sync, then print {"confirmedSat", "unconfirmedSat", "spendableSat", "immatureSat",
      "lightningMsat"}. lightningMsat: our balance in channels that are funded and not closing
      (wait-for-funding-confirmed, wait-for-channel-ready, normal, shutting-down,
      negotiating-closing); a closing channel's money shows up on-chain instead.
  send <address> <sats|max> [--feerate <sat/vB>]
      Pay an address (fee rate from the server's estimates unless given); prints {"txid", "feeSat"}.

  run
      Keep the node online until SIGINT/SIGTERM: redial the peers of our channels, follow the
      chain (every 10 s; GLINT_POLL_MS), serve the channels. Prints {"nodeId", "network",
      "apiPort"} once started, then one line per payment change: {"type": "payment",
      "payment": <a glint payments row>} (incoming ones too: it receives while online).
      While it runs, open/channels/close/balance/invoice/pay/keysend/payments on the same --data talk
      to it through a local API (HTTP on 127.0.0.1, token in <data>/api.json, mode 0600, removed
      on exit) and need no passphrase; without it they run the node in-process for the command.
  open <pubkey>@<host>:<port> <sats> [--push-msat <msat>] [--anchors|--static-remotekey]
      Open a channel we fund (type: anchors when the peer offers them, unless a flag says).
      Prints {"channelId", "fundingTxid"} once the funding tx is broadcast; it is usable after
      the peer's minimum depth, while a node runs (glint run).
  channels
      Print [{"channelId", "peer", "state", "type", "capacitySat", "localMsat", "remoteMsat",
      "usable"}]. usable: normal state and the peer connected (in-process: never, no peer dialled).
  close <channel-id> [--force]
      Close cooperatively (to a fresh wallet address), or --force: broadcast our commitment (our
      output is time-locked for the channel's to_self_delay). Prints {"closingTxid"}.
  trust [<pubkey>] [--remove]
      Trust a peer for zero-conf channels (or --remove the trust): a channel it opens to us gets
      minimum_depth 0 and is usable before its funding confirms — if the peer double-spends the
      funding, what the channel holds for us is lost. Prints {"trusted": [<pubkey>...]}; without
      a pubkey, just lists them. Channels we open are zero-conf whenever the peer offers
      minimum_depth 0 (our own funding tx is trusted).

  backup export [--out <file>]
      Write the channel backup file (encrypted with a key from the seed: peers, channel ids,
      funding outpoints, basepoints; no secrets, no channel state) to <file> (default
      <data>/backup.glint, which the node also rewrites after every channel open or close).
      Prints {"file", "channels"}.
  backup import <file>
      Into a wallet restored from the same seed (init --mnemonic-file), restore the channels of
      a backup file as recovering: the next run connects to their peers, each peer force-closes
      (option_data_loss_protect) and our outputs are swept to the wallet. Refused for another
      seed's or a corrupted file, or channels the wallet already has. Prints {"channels",
      "recovering": [<channel id>...]}.

  invoice <msat|any> [--description <text>] [--expiry <seconds>]
      Create a BOLT 11 invoice paid to this node (any: the payer chooses the amount; expiry
      default 3600 s). Prints {"bolt11", "paymentHash"}. The payment arrives while a node runs.
  pay <bolt11> [--amount-msat <msat>] [--max-fee-msat <msat>]
      Pay an invoice (--amount-msat for an any-amount invoice) through the running node (glint
      run). Prints {"status", "preimage", "feeMsat", "ms", "reason"}: status succeeded (exit 0),
      failed (reason in words, preimage null, exit 1) or pending (still in flight after the
      node's wait, exit 1; glint payments shows the outcome). Paying an invoice twice pays once.
  keysend <pubkey> <msat> [--max-fee-msat <msat>]
      A spontaneous payment (the preimage travels in the onion), through glint run; same output.
  payments
      Print the payment history, newest first: [{"paymentHash", "direction", "kind", "status",
      "amountMsat", "feeMsat", "createdAtSec", "settledAtSec", "preimage", "invoice",
      "description", "payee", "reason", "failureCode", "expiresAtSec", "htlcs"}] (null when
      unset; htlcs: [{"channelId", "htlcId", "amountMsat", "cltvExpiry", "status"}]).
  decode <bolt11>
      Decode an invoice (or a lightning: / BIP21 URI carrying one) offline, no --data needed;
      prints every field as JSON. With --network, an invoice of another network is refused.
  help

Amounts: JSON numbers when they fit exactly in a double (up to 2^53 - 1), else decimal strings.

Key derivation (so the seed restores elsewhere): BIP 39 seed; node key m/1017'/c'/6'/0/0;
on-chain BIP 84 m/84'/c'/0'/{0,1}/i; backup file key m/1017'/c'/7'/0/0; c = 0 on bitcoin, 1 on testnet/signet/regtest.
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
    case 'run':
      allowOnly(cmd.flags, ['--passphrase-file', '--no-keysend']);
      if (cmd.positional.length > 0) throw new Error('usage: glint run [--no-keysend]');
      return runCommand(cmd, process.env);
    case 'open':
      return openCommand(cmd, process.env);
    case 'channels':
      allowOnly(cmd.flags, ['--passphrase-file']);
      return channelsCommand(cmd, process.env);
    case 'close':
      return closeCommand(cmd, process.env);
    case 'trust':
      return trustCommand(cmd, process.env);
    case 'backup':
      return backupCommand(cmd, process.env);
    case 'send':
      allowOnly(cmd.flags, ['--feerate', '--passphrase-file']);
      return sendCommand(cmd, process.env);
    case 'invoice':
      return invoiceCommand(cmd, process.env);
    case 'pay':
      return payCommand(cmd);
    case 'keysend':
      return keysendCommand(cmd);
    case 'payments':
      allowOnly(cmd.flags, ['--passphrase-file']);
      return paymentsCommand(cmd, process.env);
    case 'decode':
      return decodeCommand(cmd, Math.floor(Date.now() / 1000));
    default:
      throw new Error(`unknown command "${cmd.command}" (try glint help)`);
  }
}

async function main(): Promise<void> {
  try {
    const cmd = parseArgs(process.argv.slice(2), process.env);
    const result = await run(cmd);
    if (result instanceof CommandOutput) {
      // A result that is not a success (a failed or pending payment): the JSON, and exit 1.
      process.stdout.write(`${JSON.stringify(result.json)}\n`);
      process.exitCode = result.exitCode;
      return;
    }
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exitCode = 0;
  } catch (err) {
    process.stderr.write(`glint: ${errorMessage(err).split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}

void main();
