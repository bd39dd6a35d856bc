/**
 * The payment commands of `glint`: `invoice`, `pay`, `keysend`, `payments` and `decode`.
 *
 * `invoice` and `payments` ask the `glint run` on the same `--data` through its local API when one
 * answers, else run the node in-process for the command (an invoice made so is paid once a node
 * runs). `pay` and `keysend` need the running node: a payment needs the channel peers connected
 * and the node online until the outcome is known, which is what `glint run` is. `decode` works
 * offline: no wallet, no node.
 *
 * `pay` / `keysend` print `{"status", "preimage", "feeMsat", "ms", "reason"}` and exit 0 only when
 * the status is `succeeded`; `failed` (reason in words) and `pending` (still in flight after the
 * node's wait; `glint payments` shows the outcome later) print the same JSON and exit 1.
 */
import { ValidationError } from '../engine/index.ts';
import { callRunningNode, NO_API } from './api-client.ts';
import { parseDecodeArgs, parseInvoiceArgs, parseKeysendArgs, parsePayArgs, type ParsedCommand } from './args.ts';
import { describeFeatures, invoiceCodec, type CliInvoiceCodec } from './invoice-codec.ts';
import { decodedInvoiceJson, paymentJson, type DecodedInvoiceJson, type PayJson, type PaymentJson } from './payment-json.ts';
import { withNode, type Env } from './node-host.ts';
import { requireData } from './wallet.ts';

/** A command's JSON and the exit code it asks for (0 unless it says otherwise). */
export class CommandOutput {
  readonly json: unknown;
  readonly exitCode: number;
  constructor(json: unknown, exitCode: number) {
    this.json = json;
    this.exitCode = exitCode;
  }
}

/** How long a pay call may take through the API (the node answers `pending` after its own wait). */
const PAY_CALL_MS = 10 * 60_000;

function payOutput(r: PayJson): CommandOutput {
  return new CommandOutput(r, r.status === 'succeeded' ? 0 : 1);
}

function needsRun(what: string): Error {
  return new Error(`${what} needs the node online: start \`glint run\` on this --data first (then ${what} goes through it)`);
}

/** `glint invoice <msat|any> [--description T] [--expiry S]` → `{bolt11, paymentHash}`. */
export async function invoiceCommand(cmd: ParsedCommand, env: Env): Promise<{ bolt11: string; paymentHash: string }> {
  const a = parseInvoiceArgs(cmd);
  const body = { ...(a.amountMsat !== undefined ? { amountMsat: a.amountMsat } : {}), ...(a.description !== undefined ? { description: a.description } : {}), ...(a.expirySec !== undefined ? { expirySec: a.expirySec } : {}) };
  const remote = await callRunningNode(requireData(cmd), { method: 'POST', path: '/v1/invoice', body });
  if (remote !== NO_API) return remote as { bolt11: string; paymentHash: string };
  return withNode(cmd, env, { connectPeers: false }, async (node) => {
    const out = await node.createInvoice(a);
    return { bolt11: out.bolt11, paymentHash: out.paymentHash };
  });
}

/** `glint pay <bolt11> [--amount-msat N] [--max-fee-msat N]` → `{status, preimage, feeMsat, ms, reason}`. */
export async function payCommand(cmd: ParsedCommand): Promise<CommandOutput> {
  const a = parsePayArgs(cmd);
  const body = { bolt11: a.bolt11, ...(a.amountMsat !== undefined ? { amountMsat: a.amountMsat } : {}), ...(a.maxFeeMsat !== undefined ? { maxFeeMsat: a.maxFeeMsat } : {}) };
  const remote = await callRunningNode(requireData(cmd), { method: 'POST', path: '/v1/pay', body, timeoutMs: PAY_CALL_MS });
  if (remote === NO_API) throw needsRun('glint pay');
  return payOutput(remote as PayJson);
}

/** `glint keysend <pubkey> <msat> [--max-fee-msat N]` → `{status, preimage, feeMsat, ms, reason}`. */
export async function keysendCommand(cmd: ParsedCommand): Promise<CommandOutput> {
  const a = parseKeysendArgs(cmd);
  const body = { payee: a.payee, amountMsat: a.amountMsat, ...(a.maxFeeMsat !== undefined ? { maxFeeMsat: a.maxFeeMsat } : {}) };
  const remote = await callRunningNode(requireData(cmd), { method: 'POST', path: '/v1/keysend', body, timeoutMs: PAY_CALL_MS });
  if (remote === NO_API) throw needsRun('glint keysend');
  return payOutput(remote as PayJson);
}

/** `glint payments` → `[PaymentJson]`, newest first. */
export async function paymentsCommand(cmd: ParsedCommand, env: Env): Promise<PaymentJson[]> {
  if (cmd.positional.length > 0) throw new ValidationError('payments', 'usage: glint payments');
  const remote = await callRunningNode(requireData(cmd), { method: 'GET', path: '/v1/payments' });
  if (remote !== NO_API) return remote as PaymentJson[];
  return withNode(cmd, env, { connectPeers: false }, async (node) => node.payments().map(paymentJson));
}

/**
 * `glint decode <bolt11>` → every field of the invoice (a `lightning:` or BIP21 URI carrying one
 * is accepted). Offline; with --network (or GLINT_NETWORK) an invoice of another network is refused.
 */
export function decodeCommand(cmd: ParsedCommand, nowSec: number, codec: CliInvoiceCodec | null = invoiceCodec): DecodedInvoiceJson & { readonly featureProblem: string | null } {
  const { text } = parseDecodeArgs(cmd);
  if (!codec) throw new Error('decoding invoices is not available in this build of the node');
  const found = codec.parsePaymentText(text);
  if (found.invoice === undefined) {
    throw new ValidationError('bolt11', found.address !== undefined ? 'is an on-chain Bitcoin address without a Lightning invoice' : 'is not a BOLT 11 invoice');
  }
  const network = cmd.global.network;
  const inv = codec.decodeInvoice(found.invoice, network ? { network } : {});
  return { ...decodedInvoiceJson(inv, nowSec, describeFeatures), featureProblem: codec.featureProblem(inv) ?? null };
}
