/**
 * The send, receive, scan and open-channel forms. They live as long as the app once made (typed
 * input, an invoice being shown or a payment under way survive moving between tabs), but home
 * and unlock use none of them: App.svelte loads this module with the first screen that does
 * (app/lib/lazy.ts), which keeps them and their input checks out of the JS loaded before home is
 * interactive (issue 9 "Speed", bench bundle-gzip).
 */
import type { NetworkName } from '../../workers/rpc/protocol.ts';
import type { ChannelsState } from './channels.svelte.ts';
import type { PaymentsState } from './payments.svelte.ts';
import type { WalletState } from './wallet.svelte.ts';
import type { Tab, WalletView } from '../lib/route.ts';
import { OpenChannelForm } from './open-channel-form.svelte.ts';
import { LightningSend } from './lightning-send.svelte.ts';
import { LightningReceiveForm } from './receive-lightning.svelte.ts';
import { SendForm } from './send-form.svelte.ts';
import { ScanToPay } from './scanner.svelte.ts';

export interface FlowDeps {
  readonly wallet: WalletState;
  readonly channels: ChannelsState;
  readonly payments: PaymentsState;
  readonly network: () => NetworkName;
  readonly go: (tab: Tab, view?: WalletView) => void;
}

export class Flows {
  readonly openForm: OpenChannelForm;
  readonly lightningSend: LightningSend;
  readonly lightningReceive: LightningReceiveForm;
  readonly send: SendForm;
  /** The wallet's scanner: what it takes goes to the Send screen's forms or the open-channel form. */
  readonly scan: ScanToPay;

  constructor(d: FlowDeps) {
    this.openForm = new OpenChannelForm(d.channels, () => d.wallet.spendableSat);
    this.lightningSend = new LightningSend(d.payments);
    this.lightningReceive = new LightningReceiveForm(d.payments, () => Math.floor(Date.now() / 1000));
    this.send = new SendForm(d.wallet);
    this.scan = new ScanToPay(d.network, { send: this.send, lightning: this.lightningSend, openChannel: this.openForm, go: d.go });
  }

  /** A locked (or other) wallet is another node: its invoice and payment are not this one's. */
  forgetNode(): void {
    this.lightningReceive.reset();
    this.lightningSend.reset();
  }
}
