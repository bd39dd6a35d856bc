/**
 * Open a channel: peer URI (+ the WebSocket proxy a browser needs for a TCP peer), size in sats,
 * an optional push to the peer, the channel type (automatic by default) → review (size, push, the
 * fee estimate for the funding transaction; nothing is sent yet) → confirm (the worker connects,
 * negotiates, funds and broadcasts). Inline checks catch the obvious; the worker's rejection lands
 * on the field it names, or as a form error (a peer's refusal); going back keeps every input.
 */
import type { ChannelTypeChoice, FeeRatesDto } from '../../workers/rpc/protocol.ts';
import { checkChannelAmount, checkPushAmount } from '../lib/channel-input.ts';
import { checkPeerUri, checkProxyUrl } from '../lib/peer-input.ts';
import type { ChannelsState } from './channels.svelte.ts';
import { settings } from './settings.svelte.ts';

export type OpenStep = 'edit' | 'review' | 'opened';
export type OpenField = 'uri' | 'proxy' | 'amount' | 'push';

const FIELD_OF: Record<string, OpenField> = {
  'params.uri': 'uri',
  'params.proxy': 'proxy',
  'params.fundingSat': 'amount',
  'params.pushMsat': 'push',
};

/**
 * vbytes of a typical funding transaction: one P2WPKH input, the P2WSH funding output and P2WPKH
 * change (10.5 + 68 + 43 + 31). More inputs cost ~68 vB each; the wallet picks the coins.
 */
export const FUNDING_TX_VBYTES = 153;

function parts(err: unknown): { field: OpenField | null; text: string } {
  const raw = (err as { field?: unknown }).field;
  const text = err instanceof Error ? err.message : String(err);
  if (typeof raw !== 'string') return { field: null, text };
  const bare = text.startsWith(`${raw}: `) ? text.slice(raw.length + 2) : text;
  return { field: FIELD_OF[raw] ?? null, text: bare.charAt(0).toUpperCase() + bare.slice(1) };
}

export class OpenChannelForm {
  step: OpenStep = $state('edit');
  uri = $state('');
  proxy = $state('');
  amount = $state('');
  push = $state('');
  channelType: ChannelTypeChoice = $state('auto');
  touched = $state({ uri: false, proxy: false, amount: false, push: false });
  submitted = $state(false);
  busy = $state(false);
  serverError: { field: OpenField | null; text: string } | null = $state(null);
  rates: FeeRatesDto | null = $state.raw(null);
  result: { channelId: string; fundingTxid: string } | null = $state.raw(null);

  readonly #channels: ChannelsState;
  readonly #spendable: () => bigint | null;
  readonly #uri = $derived(checkPeerUri(this.uri));
  readonly #needsProxy = $derived(this.#uri.ok ? this.#uri.value.target.kind === 'tcp' : !/@\s*wss?:\/\//i.test(this.uri));
  readonly #proxy = $derived(checkProxyUrl(this.proxy, this.#needsProxy));
  readonly #amount = $derived(checkChannelAmount(this.amount, this.#spendableNow()));
  readonly #push = $derived(checkPushAmount(this.push, this.#amount.ok ? this.#amount.value : null));

  /** `spendable` is read reactively (the wallet's spendable balance, null when unknown). */
  constructor(channels: ChannelsState, spendable: () => bigint | null) {
    this.#channels = channels;
    this.#spendable = spendable;
    const saved = settings.current;
    this.proxy = settings.proxyFor();
    this.uri = saved.lastPeerUri;
  }

  #spendableNow(): bigint | null {
    return this.#spendable();
  }

  #show(field: OpenField, error: string | null): string | null {
    if (this.serverError?.field === field) return this.serverError.text;
    if (!error) return null;
    return this.submitted || this.touched[field] ? error : null;
  }

  get uriError(): string | null {
    return this.#show('uri', this.#uri.ok ? null : this.#uri.error);
  }
  get proxyError(): string | null {
    return this.#show('proxy', this.#proxy.ok ? null : this.#proxy.error);
  }
  get amountError(): string | null {
    return this.#show('amount', this.#amount.ok ? null : this.#amount.error);
  }
  get pushError(): string | null {
    return this.#show('push', this.#push.ok ? null : this.#push.error);
  }
  get formError(): string | null {
    return this.serverError && this.serverError.field === null ? this.serverError.text : null;
  }
  get needsProxy(): boolean {
    return this.#needsProxy;
  }

  /** The checked values, for the review step. */
  get fundingSat(): bigint | null {
    return this.#amount.ok ? this.#amount.value : null;
  }
  get pushMsat(): bigint {
    return this.#push.ok ? this.#push.value : 0n;
  }
  get peerNodeId(): string | null {
    return this.#uri.ok ? this.#uri.value.nodeId : null;
  }

  /** A rough funding fee (sats) at the wallet's normal estimate, for the review step. */
  get feeEstimate(): { sat: bigint; rate: number } | null {
    if (!this.rates) return null;
    const rate = this.rates.normal;
    return { sat: BigInt(Math.ceil(rate * FUNDING_TX_VBYTES)), rate };
  }

  /** Any edit drops the worker's verdict on the old input. */
  edited(): void {
    this.serverError = null;
  }

  async loadRates(fetchRates: () => Promise<FeeRatesDto>): Promise<void> {
    try {
      this.rates = await fetchRates();
    } catch {
      this.rates = null; // the review says the fee is set when the transaction is built
    }
  }

  /** Validate; on success go to the review step. Returns the field to focus. */
  review(): OpenField | null {
    this.submitted = true;
    this.serverError = null;
    if (!this.#uri.ok) return 'uri';
    if (!this.#proxy.ok) return 'proxy';
    if (!this.#amount.ok) return 'amount';
    if (!this.#push.ok) return 'push';
    this.step = 'review';
    return null;
  }

  /** Back to the form, everything as typed. */
  edit(): void {
    this.step = 'edit';
  }

  /** Open the channel. A field error sends the user back to that field; anything else stays here. */
  async confirm(): Promise<OpenField | null> {
    if (this.busy || this.step !== 'review') return null;
    if (!this.#uri.ok || !this.#proxy.ok || !this.#amount.ok || !this.#push.ok) {
      this.step = 'edit';
      return this.review();
    }
    const uri = this.uri.trim();
    this.busy = true;
    this.serverError = null;
    settings.rememberProxy(this.proxy);
    try {
      this.result = await this.#channels.open({
        uri,
        proxy: this.#proxy.value,
        fundingSat: this.#amount.value,
        pushMsat: this.#push.value,
        channelType: this.channelType,
      });
      settings.update({ lastPeerUri: uri });
      this.step = 'opened';
      return null;
    } catch (err) {
      this.serverError = parts(err);
      if (this.serverError.field) this.step = 'edit';
      return this.serverError.field;
    } finally {
      this.busy = false;
    }
  }

  /** Start over for another channel (the peer and proxy stay). */
  reset(): void {
    this.step = 'edit';
    this.amount = '';
    this.push = '';
    this.channelType = 'auto';
    this.touched = { uri: false, proxy: false, amount: false, push: false };
    this.submitted = false;
    this.serverError = null;
    this.result = null;
  }
}
