/**
 * `wallet.erase` in the worker (workers/rpc/protocol-erase.ts): erase this network's wallet from
 * this browser. Refused, with nothing deleted:
 *   - a wrong passphrase (`params.passphrase`, checked by decrypting the words again);
 *   - a payment in flight: its HTLCs are settled only by a running node (BOLT 2 "Normal
 *     Operation": an offered HTLC not resolved near its cltv_expiry forces a close on-chain; an
 *     incoming one must be claimed with its preimage before it), so the node must keep running;
 *   - channels that still hold funds (open, opening, closing, or closed with outputs still to
 *     sweep, BOLT 5), unless `acknowledgeChannels`: without a channel backup file their funds are
 *     lost; with the words and the backup, the peers are asked to force-close and the funds return.
 *     When the Lightning node is not running its channels cannot be listed: the acknowledgement is
 *     required then too.
 * Then WalletHost stops the node (drained: nothing half-sent), closes and deletes the store and
 * lets go of the Web Lock, and the other tabs are told (adapters/takeover.ts).
 */
import { RpcValidationError } from './rpc/protocol-fields.ts';
import { channelHoldsFunds, paymentInFlight, type ChannelDto, type EraseParams, type PaymentDto, type WalletStatusDto } from './rpc/protocol.ts';
import type { Logger } from '../engine/index.ts';

/** What erasing needs of the wallet host (WalletHost satisfies it). */
export interface ErasableWallet {
  erase(params: { passphrase: string }, check: () => void): Promise<WalletStatusDto>;
}

export interface EraseHostOptions {
  /** The running node's channels, or null when no Lightning node runs (none can be listed). */
  channels(): readonly ChannelDto[] | null;
  /** The running node's payments (empty when none runs). */
  payments(): readonly PaymentDto[];
  /** Tell the other tabs that `network`'s wallet is gone. */
  announce(network: string): void;
  logger: Logger;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export class EraseHost {
  readonly #o: EraseHostOptions;

  constructor(options: EraseHostOptions) {
    this.#o = options;
  }

  /** Erase `wallet` (the unlocked one of `network`); resolves its new status (`none`). */
  async erase(wallet: ErasableWallet, network: string, params: EraseParams): Promise<WalletStatusDto> {
    const status = await wallet.erase({ passphrase: params.passphrase }, () => this.#check(params));
    this.#o.logger.log('warn', `erase: the ${network} wallet was deleted from this browser at the user's request`);
    this.#o.announce(network);
    return status;
  }

  /** The refusals, checked after the passphrase and right before the node is stopped. */
  #check(params: EraseParams): void {
    const inFlight = this.#o.payments().filter(paymentInFlight);
    if (inFlight.length > 0) {
      throw new Error(
        `${plural(inFlight.length, 'payment is', 'payments are')} in flight: only a running node can settle ${inFlight.length === 1 ? 'it' : 'them'} (or the channel is closed on-chain); wait until ${inFlight.length === 1 ? 'it succeeds or fails' : 'they succeed or fail'}, then erase`,
      );
    }
    if (params.acknowledgeChannels) return;
    const channels = this.#o.channels();
    if (channels === null) {
      throw new RpcValidationError('params.acknowledgeChannels', 'the Lightning node is not running, so its channels cannot be checked: acknowledge that funds in channels are lost without a channel backup');
    }
    const holding = channels.filter(channelHoldsFunds);
    if (holding.length > 0) {
      throw new RpcValidationError(
        'params.acknowledgeChannels',
        `${plural(holding.length, 'channel still holds', 'channels still hold')} funds: close ${holding.length === 1 ? 'it' : 'them'} first, or export the channel backup and acknowledge that without it ${holding.length === 1 ? 'its' : 'their'} funds are lost`,
      );
    }
  }
}
