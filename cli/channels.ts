/**
 * The channel commands of `glint`: `open`, `channels`, `close`, and `balance` (on-chain plus
 * `lightningMsat`). Each asks the `glint run` on the same `--data` through its local API when one
 * answers (no passphrase needed: the running node holds the unlocked wallet), else runs the node
 * in-process for the command's duration.
 */
import { ValidationError } from '../engine/index.ts';
import { callRunningNode, NO_API, type ApiCall } from './api-client.ts';
import { parseCloseArgs, parseOpenArgs, parseTrustArgs, type ParsedCommand } from './args.ts';
import { balanceJson, channelJson, type BalanceJson, type ChannelJson } from './json.ts';
import { withNode, type Env } from './node-host.ts';
import { requireData } from './wallet.ts';

/** How long `open` / `close` may take through the API (the peer and the chain set the pace). */
const LONG_CALL_MS = 10 * 60_000;

async function viaApi(cmd: ParsedCommand, call: ApiCall): Promise<unknown> {
  return callRunningNode(requireData(cmd), call);
}

/** `glint open <pubkey>@<host>:<port> <sats> [--push-msat N] [--anchors|--static-remotekey]` → `{channelId, fundingTxid}`. */
export async function openCommand(cmd: ParsedCommand, env: Env): Promise<{ channelId: string; fundingTxid: string }> {
  const a = parseOpenArgs(cmd);
  const body = { uri: a.uri, fundingSat: a.fundingSat, ...(a.pushMsat !== undefined ? { pushMsat: a.pushMsat } : {}), ...(a.channelType ? { channelType: a.channelType } : {}) };
  const remote = await viaApi(cmd, { method: 'POST', path: '/v1/open', body, timeoutMs: LONG_CALL_MS });
  if (remote !== NO_API) return remote as { channelId: string; fundingTxid: string };
  return withNode(cmd, env, { connectPeers: false }, (node) =>
    node.open(a.uri, a.fundingSat, { ...(a.pushMsat !== undefined ? { pushMsat: a.pushMsat } : {}), ...(a.channelType ? { channelType: a.channelType } : {}) }),
  );
}

/** `glint channels` → `[{channelId, peer, state, type, capacitySat, localMsat, remoteMsat, usable}]`. */
export async function channelsCommand(cmd: ParsedCommand, env: Env): Promise<ChannelJson[]> {
  if (cmd.positional.length > 0) throw new ValidationError('channels', 'usage: glint channels');
  const remote = await viaApi(cmd, { method: 'GET', path: '/v1/channels' });
  if (remote !== NO_API) return remote as ChannelJson[];
  // In-process: the saved channels as they are; no peer is dialled, so none is `usable`.
  return withNode(cmd, env, { connectPeers: false }, async (node) => node.channels().map(channelJson));
}

/** `glint close <channel-id> [--force]` → `{closingTxid}`. */
export async function closeCommand(cmd: ParsedCommand, env: Env): Promise<{ closingTxid: string }> {
  const a = parseCloseArgs(cmd);
  const remote = await viaApi(cmd, { method: 'POST', path: '/v1/close', body: { channelId: a.channelId, force: a.force }, timeoutMs: LONG_CALL_MS });
  if (remote !== NO_API) return remote as { closingTxid: string };
  // A cooperative close needs the peer: dial the channel peers first.
  return withNode(cmd, env, { connectPeers: !a.force }, (node) => node.close(a.channelId, a.force ? { force: true } : {}));
}

/** `glint balance` → `{confirmedSat, unconfirmedSat, spendableSat, immatureSat, lightningMsat}`. */
export async function balanceCommand(cmd: ParsedCommand, env: Env): Promise<BalanceJson> {
  if (cmd.positional.length > 0) throw new ValidationError('balance', 'usage: glint balance');
  const remote = await viaApi(cmd, { method: 'GET', path: '/v1/balance' });
  if (remote !== NO_API) return remote as BalanceJson;
  return withNode(cmd, env, { connectPeers: false }, async (node) => balanceJson(node.balance()));
}

/**
 * `glint trust <pubkey> [--remove]` → `{trusted: [<pubkey>…]}`: mark a peer trusted (or not) for
 * zero-conf channels — a channel it opens to us is usable before its funding confirms, at the
 * risk of what the channel holds for us if the peer double-spends the funding. `glint trust`
 * alone lists them.
 */
export async function trustCommand(cmd: ParsedCommand, env: Env): Promise<{ trusted: string[] }> {
  const a = parseTrustArgs(cmd);
  const call: ApiCall =
    a.nodeId === undefined ? { method: 'GET', path: '/v1/trusted' } : { method: 'POST', path: '/v1/trust', body: { nodeId: a.nodeId, trusted: !a.remove } };
  const remote = await viaApi(cmd, call);
  if (remote !== NO_API) return remote as { trusted: string[] };
  return withNode(cmd, env, { connectPeers: false }, async (node) => ({
    trusted: a.nodeId === undefined ? node.trustedPeers() : await node.trustPeer(a.nodeId, !a.remove),
  }));
}
