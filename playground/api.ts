/**
 * The playground's HTTP JSON API (under `/api/`), behind the playground page, the CLI journey and
 * the tests. JSON in, JSON out; amounts are whole numbers (sats unless the name says msat).
 *
 *   GET  /api/info                         → {network, height, autoMineSecs, esplora, proxy, hub, shop}
 *   POST /api/faucet {address, sats}       → {txid, vout, height}   (sends, then mines 1 block)
 *   POST /api/mine {blocks?}               → {hashes, height}       (default 1, at most 100)
 *   POST /api/auto-mine {seconds}          → {autoMineSecs}         (0 = off)
 *   GET  /api/shop                         → {items: [{id, name, priceSat}]}
 *   POST /api/shop/order {item}            → {item, amountSat, bolt11, paymentHash}
 *   GET  /api/shop/order/<paymentHash>     → {paymentHash, paid}
 *   POST /api/hub/pay {invoice, sats?}     → {paymentHash, preimage, feeMsat}   (a Glint BOLT 11 invoice)
 *   POST /api/hub/pay {nodeId, sats}       → {paymentHash, preimage, feeMsat}   (keysend)
 *   POST /api/hub/open {nodeId, sats, pushSat?} → {channelId, fundingTxid}  (the node must be connected to the hub)
 *   GET  /api/hub/channels                 → [{channelId, counterparty, valueSat, usable, outboundSat, inboundSat}]
 *   GET  /api/log?since=<cursor>           → {lines: [{at, node, text}], next}
 *
 * Errors: 400 `{"error": "<field>: <why>"}` for bad input (nothing was done), 404 for an unknown
 * route, 422 `{"error"}` when the action was refused (e.g. the payment failed, peer not connected).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { addressToScript } from './chain/index.ts';
import type { RegtestChain } from './chain/index.ts';
import { LdkPaymentError } from './ldk/payments.ts';
import { openFrom, type PlaygroundLog, type PlaygroundPeer } from './lightning.ts';

export interface ShopItem {
  readonly id: string;
  readonly name: string;
  readonly priceSat: number;
}

export const SHOP_ITEMS: readonly ShopItem[] = Object.freeze([
  { id: 'coffee', name: 'Coffee', priceSat: 2_100 },
  { id: 'croissant', name: 'Croissant', priceSat: 3_500 },
  { id: 'sticker', name: 'Glint sticker', priceSat: 500 },
  { id: 'tshirt', name: 'T-shirt', priceSat: 25_000 },
]);

export interface PlaygroundApiContext {
  readonly chain: RegtestChain;
  readonly hub: PlaygroundPeer;
  readonly shop: PlaygroundPeer;
  readonly log: PlaygroundLog;
  readonly urls: { readonly esplora: string; readonly proxy: string; readonly hub: string; readonly shop: string };
  autoMine(seconds: number): void;
  readonly autoMineSecs: () => number;
}

/** Bad input: a 400 naming the field. */
export class ApiInputError extends Error {
  readonly field: string;
  constructor(field: string, why: string) {
    super(`${field}: ${why}`);
    this.field = field;
  }
}

/** A refused action: a 422. */
class ApiRefused extends Error {}

const MAX_BODY = 64 * 1024;
const MAX_SATS = 21_000_000 * 100_000_000;

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiInputError('body', `larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        const v: unknown = JSON.parse(text);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return reject(new ApiInputError('body', 'must be a JSON object'));
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new ApiInputError('body', 'is not JSON'));
      }
    });
  });
}

function only(body: Record<string, unknown>, fields: readonly string[]): void {
  for (const k of Object.keys(body)) if (!fields.includes(k)) throw new ApiInputError(k, 'is not a known field');
}

function wholeNumber(body: Record<string, unknown>, field: string, min: number, max: number, fallback?: number): number {
  const v = body[field];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new ApiInputError(field, `must be a whole number ${min}–${max}`);
  return v;
}

function nodeIdOf(body: Record<string, unknown>): Uint8Array {
  const v = body.nodeId;
  if (typeof v !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(v)) throw new ApiInputError('nodeId', 'must be a 33-byte compressed public key in hex (66 characters)');
  return Uint8Array.from(Buffer.from(v, 'hex'));
}

const num = (v: bigint): number => Number(v);

async function hubPay(ctx: PlaygroundApiContext, body: Record<string, unknown>): Promise<unknown> {
  const hub = ctx.hub.node;
  try {
    if (body.invoice !== undefined) {
      only(body, ['invoice', 'sats']);
      if (typeof body.invoice !== 'string' || !/^(lightning:)?ln[a-z0-9]{10,}$/i.test(body.invoice.trim())) throw new ApiInputError('invoice', 'must be a BOLT 11 invoice (lnbcrt…)');
      const bolt11 = body.invoice.trim().replace(/^lightning:/i, '').toLowerCase();
      const sats = body.sats === undefined ? undefined : wholeNumber(body, 'sats', 1, MAX_SATS);
      let sent;
      try {
        sent = await hub.payInvoice(bolt11, sats === undefined ? {} : { amountMsat: BigInt(sats) * 1000n });
      } catch (error) {
        if (error instanceof LdkPaymentError) throw error;
        throw new ApiInputError('invoice', (error as Error).message);
      }
      ctx.log.add('hub', `paid invoice ${sent.paymentHash.slice(0, 16)}…`);
      return { paymentHash: sent.paymentHash, preimage: sent.preimage, feeMsat: num(sent.feeMsat) };
    }
    only(body, ['nodeId', 'sats']);
    const payee = nodeIdOf(body);
    const sats = wholeNumber(body, 'sats', 1, MAX_SATS);
    const sent = await hub.keysend(payee, BigInt(sats) * 1000n);
    ctx.log.add('hub', `keysent ${sats} sat to ${String(body.nodeId).slice(0, 16)}…`);
    return { paymentHash: sent.paymentHash, preimage: sent.preimage, feeMsat: 0 };
  } catch (error) {
    if (error instanceof LdkPaymentError) throw new ApiRefused(`payment failed: ${error.reason}`);
    throw error;
  }
}

async function hubOpen(ctx: PlaygroundApiContext, body: Record<string, unknown>): Promise<unknown> {
  only(body, ['nodeId', 'sats', 'pushSat']);
  const peer = nodeIdOf(body);
  const sats = wholeNumber(body, 'sats', 20_000, 16_777_215);
  const pushSat = wholeNumber(body, 'pushSat', 0, sats, 0);
  const peerHex = Buffer.from(peer).toString('hex');
  if (!ctx.hub.node.hasPeer(peerHex)) throw new ApiRefused(`node ${peerHex} is not connected to the hub: connect to ${ctx.urls.hub} first`);
  let opened;
  try {
    opened = await openFrom(ctx.chain, ctx.hub, peer, BigInt(sats), BigInt(pushSat) * 1000n);
  } catch (error) {
    throw new ApiRefused(`the hub could not open the channel: ${(error as Error).message}`);
  }
  ctx.log.add('hub', `opened a ${sats} sat channel to ${peerHex.slice(0, 16)}… (funding ${opened.fundingTxid.slice(0, 16)}…, mine a block unless it is zero-conf)`);
  return opened;
}

async function route(ctx: PlaygroundApiContext, method: string, path: string, query: URLSearchParams, req: IncomingMessage): Promise<unknown> {
  const post = async (): Promise<Record<string, unknown>> => readBody(req);
  const key = `${method} ${path}`;
  switch (key) {
    case 'GET /api/info':
      return {
        network: 'regtest',
        height: ctx.chain.height,
        autoMineSecs: ctx.autoMineSecs(),
        esplora: ctx.urls.esplora,
        proxy: ctx.urls.proxy,
        hub: { nodeId: ctx.hub.node.nodeIdHex, uri: ctx.urls.hub },
        shop: { nodeId: ctx.shop.node.nodeIdHex, uri: ctx.urls.shop },
      };
    case 'POST /api/faucet': {
      const body = await post();
      only(body, ['address', 'sats']);
      if (typeof body.address !== 'string') throw new ApiInputError('address', 'must be a regtest address (bcrt1…)');
      try {
        addressToScript(body.address.trim());
      } catch (error) {
        throw new ApiInputError('address', `not a regtest address: ${(error as Error).message}`);
      }
      const sats = wholeNumber(body, 'sats', 546, 100_000_000);
      const { txid, vout } = await ctx.chain.faucet(body.address.trim(), sats);
      ctx.log.add('chain', `faucet sent ${sats} sat to ${body.address.trim()} (mined at ${ctx.chain.height})`);
      return { txid, vout, height: ctx.chain.height };
    }
    case 'POST /api/mine': {
      const body = await post();
      only(body, ['blocks']);
      const blocks = wholeNumber(body, 'blocks', 1, 100, 1);
      const hashes = await ctx.chain.mine(blocks);
      ctx.log.add('chain', `mined ${blocks} block${blocks === 1 ? '' : 's'} (tip ${ctx.chain.height})`);
      return { hashes, height: ctx.chain.height };
    }
    case 'POST /api/auto-mine': {
      const body = await post();
      only(body, ['seconds']);
      const seconds = wholeNumber(body, 'seconds', 0, 86_400);
      ctx.autoMine(seconds);
      ctx.log.add('chain', seconds === 0 ? 'auto-mine off' : `auto-mine every ${seconds} s`);
      return { autoMineSecs: ctx.autoMineSecs() };
    }
    case 'GET /api/shop':
      return { items: SHOP_ITEMS };
    case 'POST /api/shop/order': {
      const body = await post();
      only(body, ['item']);
      const item = SHOP_ITEMS.find((i) => i.id === body.item);
      if (!item) throw new ApiInputError('item', `must be one of ${SHOP_ITEMS.map((i) => i.id).join(', ')}`);
      const bolt11 = ctx.shop.node.createInvoice({ amountMsat: BigInt(item.priceSat) * 1000n, description: `Glint playground shop: ${item.name}`, expirySec: 3600 });
      const paymentHash = ctx.shop.node.payments.paymentHashOf(bolt11);
      ctx.log.add('shop', `invoice for ${item.name} (${item.priceSat} sat), payment ${paymentHash.slice(0, 16)}…`);
      return { item: item.id, amountSat: item.priceSat, bolt11, paymentHash };
    }
    case 'GET /api/hub/channels':
      return ctx.hub.node.payments.channelBalances().map((c) => ({
        channelId: c.channelId,
        counterparty: c.counterparty,
        valueSat: num(c.valueSat),
        usable: c.usable,
        outboundSat: num(c.outboundMsat / 1000n),
        inboundSat: num(c.inboundMsat / 1000n),
      }));
    case 'POST /api/hub/pay':
      return hubPay(ctx, await post());
    case 'POST /api/hub/open':
      return hubOpen(ctx, await post());
    case 'GET /api/log': {
      const since = query.get('since') ?? '0';
      if (!/^\d{1,15}$/.test(since)) throw new ApiInputError('since', 'must be a whole number');
      return ctx.log.after(Number(since));
    }
  }
  const order = /^\/api\/shop\/order\/([0-9a-f]{64})$/.exec(path);
  if (method === 'GET' && order) {
    const paymentHash = order[1]!;
    return { paymentHash, paid: ctx.shop.node.claimed().some((c) => c.paymentHash === paymentHash) };
  }
  return undefined;
}

/** Answer a request under /api/; returns false for any other path. */
export async function handleApi(ctx: PlaygroundApiContext, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://playground');
  if (!url.pathname.startsWith('/api/')) return false;
  const send = (status: number, value: unknown): void => {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(text);
  };
  try {
    const out = await route(ctx, req.method ?? 'GET', url.pathname, url.searchParams, req);
    if (out === undefined) send(404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
    else send(200, out);
  } catch (error) {
    if (error instanceof ApiInputError) send(400, { error: error.message });
    else if (error instanceof ApiRefused) send(422, { error: error.message });
    else send(500, { error: (error as Error).message });
  }
  return true;
}
