/**
 * The playground page's script (bundled on start by playground/page-server.ts, never part of the
 * wallet bundle): forms over the playground's JSON API (playground/api.ts), the shop's invoice as
 * a QR code (the app's own encoder, app/lib/qr.ts) marked paid live, and the LDK nodes' log.
 */
import { encodeQr, qrPath } from '../../app/lib/qr.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

async function api<T = Record<string, unknown>>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(out.error ?? `HTTP ${res.status}`);
  return out;
}

function show(id: string, text: string, isError = false): void {
  const el = $(id);
  el.textContent = text;
  el.className = isError ? 'out err' : 'out';
}

function action(buttonId: string, outId: string, run: () => Promise<string>): void {
  const button = $<HTMLButtonElement>(buttonId);
  button.addEventListener('click', () => {
    button.disabled = true;
    show(outId, '…');
    run()
      .then((text) => show(outId, text))
      .catch((err: unknown) => show(outId, (err as Error).message, true))
      .finally(() => (button.disabled = false));
  });
}

const numberOf = (id: string): number => Number($<HTMLInputElement>(id).value);
const textOf = (id: string): string => $<HTMLInputElement>(id).value.trim();

function qrSvg(text: string): string {
  const qr = encodeQr(text.toUpperCase(), { mode: 'auto' });
  const side = qr.size + 8;
  return `<svg viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges" role="img" aria-label="invoice QR code"><rect width="${side}" height="${side}" fill="#fff"/><path d="${qrPath(qr, 4)}" fill="#000"/></svg>`;
}

interface Info {
  height: number;
  autoMineSecs: number;
  proxy: string;
  hub: { nodeId: string; uri: string };
}

async function refreshInfo(): Promise<void> {
  const info = await api<Info>('info');
  $('hub-uri').textContent = info.hub.uri;
  $('proxy-url').textContent = info.proxy;
  $('height').textContent = String(info.height);
  $<HTMLInputElement>('auto-mine').checked = info.autoMineSecs > 0;
  if (info.autoMineSecs > 0) $<HTMLInputElement>('auto-mine-secs').value = String(info.autoMineSecs);
}

action('faucet-send', 'faucet-out', async () => {
  const r = await api<{ txid: string; height: number }>('faucet', { address: textOf('faucet-address'), sats: numberOf('faucet-sats') });
  void refreshInfo();
  return `sent in ${r.txid}, mined at height ${r.height}`;
});

action('mine', 'mine-out', async () => {
  const r = await api<{ height: number }>('mine', { blocks: numberOf('mine-count') });
  $('height').textContent = String(r.height);
  return `tip is now ${r.height}`;
});

$<HTMLInputElement>('auto-mine').addEventListener('change', (e) => {
  const on = (e.target as HTMLInputElement).checked;
  api('auto-mine', { seconds: on ? numberOf('auto-mine-secs') : 0 })
    .then(() => show('mine-out', on ? 'auto-mine on' : 'auto-mine off'))
    .catch((err: unknown) => show('mine-out', (err as Error).message, true));
});

action('pay', 'pay-out', async () => {
  const target = textOf('pay-target');
  const sats = textOf('pay-sats');
  const body: Record<string, unknown> = /^0[23][0-9a-f]{64}$/i.test(target) ? { nodeId: target } : { invoice: target };
  if (sats !== '') body.sats = Number(sats);
  const r = await api<{ paymentHash: string }>('hub/pay', body);
  return `paid (payment ${r.paymentHash})`;
});

action('open', 'open-out', async () => {
  const r = await api<{ channelId: string; fundingTxid: string }>('hub/open', { nodeId: textOf('open-node'), sats: numberOf('open-sats'), pushSat: numberOf('open-push') });
  return `channel ${r.channelId} funded by ${r.fundingTxid} (in the mempool)`;
});

let watching = 0;
async function order(item: string): Promise<void> {
  const box = $('order');
  const o = await api<{ item: string; amountSat: number; bolt11: string; paymentHash: string }>('shop/order', { item });
  const id = ++watching;
  box.innerHTML = `${qrSvg(o.bolt11)}<p><b>${o.amountSat} sat</b> — <span id="order-status" class="waiting" data-testid="order-status">waiting for payment…</span></p><p class="mono" data-testid="order-invoice">${o.bolt11}</p>`;
  while (id === watching) {
    const s = await api<{ paid: boolean }>(`shop/order/${o.paymentHash}`);
    if (s.paid) {
      const status = $('order-status');
      status.textContent = 'paid ✓';
      status.className = 'paid';
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function loadShop(): Promise<void> {
  const { items } = await api<{ items: { id: string; name: string; priceSat: number }[] }>('shop');
  const box = $('items');
  for (const item of items) {
    const b = document.createElement('button');
    b.className = 'item';
    b.dataset.testid = `buy-${item.id}`;
    b.textContent = `${item.name} — ${item.priceSat} sat`;
    b.addEventListener('click', () => void order(item.id).catch((err: unknown) => ($('order').textContent = (err as Error).message)));
    box.append(b);
  }
}

let cursor = 0;
async function pollLog(): Promise<void> {
  try {
    const { lines, next } = await api<{ lines: { at: number; node: string; text: string }[]; next: number }>(`log?since=${cursor}`);
    cursor = next;
    const box = $('log');
    for (const l of lines) {
      const div = document.createElement('div');
      div.className = l.node;
      div.textContent = `${new Date(l.at).toLocaleTimeString()} ${l.node.padEnd(5)} ${l.text}`;
      box.append(div);
    }
    if (lines.length) box.scrollTop = box.scrollHeight;
    if (lines.some((l) => l.node === 'chain')) void refreshInfo();
  } finally {
    setTimeout(() => void pollLog(), 1500);
  }
}

void refreshInfo();
void loadShop();
void pollLog();
