/**
 * The one-time "real money" confirmation for Bitcoin mainnet: picking mainnet the first time opens
 * app/components/MainnetConfirm.svelte; confirming is remembered in settings (`mainnetConfirmed`)
 * and never asked again; cancelling leaves the network that was chosen before.
 */
import type { NetworkName } from '../../workers/rpc/protocol.ts';
import { settings } from './settings.svelte.ts';

export class MainnetGate {
  /** The dialog is showing. */
  open = $state(false);
  #proceed: (() => void) | null = null;

  /** Mainnet was confirmed on this device. */
  get confirmed(): boolean {
    return settings.current.mainnetConfirmed;
  }

  /** Pick `network` through the gate: `proceed` runs now, or after the confirmation for mainnet. */
  request(network: NetworkName, proceed: () => void): void {
    if (network !== 'bitcoin' || this.confirmed) {
      proceed();
      return;
    }
    this.#proceed = proceed;
    this.open = true;
  }

  /** The user accepted: remember it, then make the pick. */
  confirm(): void {
    if (!this.open) return;
    settings.update({ mainnetConfirmed: true });
    const proceed = this.#proceed;
    this.#proceed = null;
    this.open = false;
    proceed?.();
  }

  /** The user backed out: nothing changes and the next mainnet pick asks again. */
  cancel(): void {
    this.#proceed = null;
    this.open = false;
  }
}
