/**
 * The Receive screen: a fresh address each time it opens (or on "New address"), and, when the
 * wallet is on regtest, "Get test coins": the worker asks its Esplora server's faucet (the
 * playground's `POST /regtest/faucet`) to pay the address shown, then syncs. The component only
 * renders what is here.
 */
import type { FaucetResultDto } from '../../workers/rpc/protocol.ts';
import { formatSats, satUnit } from '../lib/amount.ts';
import type { WalletState } from './wallet.svelte.ts';

/** What one "Get test coins" asks for. */
export const FAUCET_SAT = 100_000n;

/** The worker's error as one line for the user (without an RPC field prefix such as `params.x: `). */
function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const field = (err as { field?: unknown }).field;
  return typeof field === 'string' && text.startsWith(`${field}: `) ? text.slice(field.length + 2) : text;
}

/**
 * How to receive: a Lightning invoice, an on-chain address, or both in one BIP21 QR code
 * (`bitcoin:<address>?amount=…&lightning=<invoice>`): a payer's wallet uses whichever it can.
 */
export type ReceiveMethod = 'lightning' | 'onchain' | 'unified';
export const RECEIVE_METHODS: readonly { readonly id: ReceiveMethod; readonly label: string }[] = [
  { id: 'lightning', label: 'Lightning' },
  { id: 'onchain', label: 'On-chain' },
  { id: 'unified', label: 'Both' },
];

export class ReceiveView {
  method: ReceiveMethod = $state('onchain');
  address: string | null = $state(null);
  addressError: string | null = $state(null);
  loading = $state(false);
  faucetBusy = $state(false);
  faucetResult: FaucetResultDto | null = $state.raw(null);
  faucetError: string | null = $state(null);

  readonly #wallet: WalletState;

  /** `method`: what the screen opens on (Lightning when a channel can take the payment). */
  constructor(wallet: WalletState, method: ReceiveMethod = 'onchain') {
    this.#wallet = wallet;
    this.method = method;
  }

  /** The methods that need an address load one (a fresh one, once per screen). */
  choose(method: ReceiveMethod): void {
    this.method = method;
    if (method !== 'lightning' && !this.address && !this.loading) void this.load();
  }

  get network(): string {
    return this.#wallet.status?.network ?? 'bitcoin';
  }

  /** "Get test coins" is offered only on regtest (the one network with a faucet of our own). */
  get faucetAvailable(): boolean {
    return this.#wallet.status?.network === 'regtest' && this.#wallet.state === 'unlocked';
  }

  /** Groups of four characters, easier to compare by eye. */
  get groups(): string[] {
    return this.address ? (this.address.match(/.{1,4}/g) ?? []) : [];
  }

  /** What one request asks for, for display: "100,000 sats". */
  get faucetAmount(): string {
    return `${formatSats(FAUCET_SAT)} ${satUnit(FAUCET_SAT)}`;
  }

  /** "Received 100,000 test sats (txid …)" once the faucet has paid. */
  get faucetMessage(): string | null {
    const r = this.faucetResult;
    return r ? `Received ${formatSats(r.amountSat)} test ${satUnit(r.amountSat)} (txid ${r.txid})` : null;
  }

  /** A fresh address (the one shown, and the one the faucet pays). */
  async load(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    this.addressError = null;
    try {
      this.address = await this.#wallet.address();
      this.faucetResult = null;
      this.faucetError = null;
    } catch (err) {
      this.addressError = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  /** Ask the faucet for FAUCET_SAT; the result or the server's reason ends up in the view. */
  async getTestCoins(): Promise<void> {
    if (this.faucetBusy || !this.faucetAvailable) return;
    this.faucetBusy = true;
    this.faucetResult = null;
    this.faucetError = null;
    try {
      this.faucetResult = await this.#wallet.faucet(FAUCET_SAT);
    } catch (err) {
      this.faucetError = messageOf(err);
    } finally {
      this.faucetBusy = false;
    }
  }
}
