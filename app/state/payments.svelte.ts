/**
 * The node's Lightning payments as the UI sees them: the history (`payment.list`, newest first,
 * patched by `payment` push events) and the calls the Receive and Send screens make — create an
 * invoice, decode a pasted one, estimate the fee, pay. Payments exist only while a wallet is
 * unlocked (one node per wallet), so the list reloads on every wallet status change.
 */
import type { RpcClient } from '../../workers/rpc/client.ts';
import type { DecodedInvoiceDto, FeeEstimateDto, NodeEvent, NodeInfoDto, PaymentDto, PayResultDto } from '../../workers/rpc/protocol.ts';
import { newestFirst, paymentKey } from '../lib/payment-input.ts';

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class PaymentsState {
  /** Newest first. */
  list: PaymentDto[] = $state.raw([]);
  loadError: string | null = $state(null);
  loading = $state(false);

  readonly #client: RpcClient;
  readonly #unsubscribe: () => void;
  #generation = 0;
  /** Push events received while a reload is on its way (they are newer than its answer). */
  #pushedDuringReload = new Map<string, PaymentDto>();

  constructor(client: RpcClient) {
    this.#client = client;
    this.#unsubscribe = client.subscribe((e) => this.#onEvent(e));
  }

  /** `info`: the node's status when it changed later (another tab handed it over); else wait for `ready`. */
  async start(known?: NodeInfoDto): Promise<void> {
    try {
      const info = known ?? (await this.#client.ready());
      if (info.status !== 'running') return;
    } catch {
      return; // NodeState reports why
    }
    await this.reload();
  }

  async reload(): Promise<void> {
    const gen = ++this.#generation;
    this.loading = true;
    this.#pushedDuringReload = new Map();
    try {
      const list = await this.#client.payments();
      if (gen !== this.#generation) return;
      const merged = new Map(list.map((p) => [paymentKey(p), p]));
      for (const [key, p] of this.#pushedDuringReload) merged.set(key, p);
      this.list = newestFirst([...merged.values()]);
      this.loadError = null;
    } catch (err) {
      if (gen === this.#generation) this.loadError = message(err);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  /** The incoming payment (our invoice) with this hash, as it is now. */
  incoming(paymentHash: string): PaymentDto | undefined {
    return this.list.find((p) => p.direction === 'incoming' && p.paymentHash === paymentHash);
  }

  /** The outgoing payment with this hash, as it is now. */
  outgoing(paymentHash: string): PaymentDto | undefined {
    return this.list.find((p) => p.direction === 'outgoing' && p.paymentHash === paymentHash);
  }

  createInvoice(params: { amountMsat?: bigint; description?: string; expirySec?: number }): Promise<{ bolt11: string; paymentHash: string }> {
    return this.#client.createInvoice({
      ...(params.amountMsat !== undefined ? { amountMsat: params.amountMsat.toString() } : {}),
      ...(params.description ? { description: params.description } : {}),
      ...(params.expirySec !== undefined ? { expirySec: params.expirySec } : {}),
    });
  }

  /** Decode a pasted invoice / `lightning:` / BIP21 text (rejects on `params.text` with the reason). */
  decode(text: string): Promise<DecodedInvoiceDto> {
    return this.#client.decodeInvoice(text);
  }

  estimateFee(bolt11: string, amountMsat?: bigint): Promise<FeeEstimateDto> {
    return this.#client.estimatePayFee(bolt11, amountMsat?.toString());
  }

  pay(bolt11: string, opts: { amountMsat?: bigint; maxFeeMsat?: bigint } = {}): Promise<PayResultDto> {
    return this.#client.pay({
      bolt11,
      ...(opts.amountMsat !== undefined ? { amountMsat: opts.amountMsat.toString() } : {}),
      ...(opts.maxFeeMsat !== undefined ? { maxFeeMsat: opts.maxFeeMsat.toString() } : {}),
    });
  }

  destroy(): void {
    this.#unsubscribe();
  }

  #upsert(p: PaymentDto): void {
    const key = paymentKey(p);
    if (this.loading) this.#pushedDuringReload.set(key, p);
    this.list = newestFirst([p, ...this.list.filter((x) => paymentKey(x) !== key)]);
  }

  #onEvent(e: NodeEvent): void {
    switch (e.type) {
      case 'payment':
        this.#upsert(e.payment);
        return;
      case 'wallet.status':
        // A different wallet (or none): a different node, a different history.
        ++this.#generation;
        this.list = [];
        this.loading = false;
        if (e.status.state === 'unlocked') void this.reload();
        return;
      case 'node.status':
        if (e.info.status === 'running') void this.reload();
        return;
    }
  }
}
