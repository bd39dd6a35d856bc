/**
 * The `wallet.erase` method of the worker RPC: erase this network's wallet from this browser
 * (Settings → "Erase this wallet from this device"). The worker checks the passphrase again (as
 * `wallet.backup` does), refuses while a payment is in flight, refuses a wallet with channels
 * that still hold funds unless the loss is acknowledged, then stops the node cleanly, deletes the
 * wallet's encrypted IndexedDB database, lets go of the wallet's Web Lock and tells the other tabs.
 *
 * Recovery afterwards: the 24 words restore the on-chain funds anywhere; channel funds come back
 * only with the words AND a channel backup file (protocol-backup.ts), whose peers are asked to
 * force-close. Hence the acknowledgement for open channels.
 */
import type { WalletStatusDto } from './protocol.ts';
import type { ChannelDto } from './protocol-channels.ts';
import type { PaymentDto } from './protocol-payments.ts';
import { boolean, fail, shape, string } from './protocol-fields.ts';

/** The word the user types to confirm, checked here too so no stray call can erase a wallet. */
export const ERASE_CONFIRM_WORD = 'erase';

export interface EraseParams {
  /** The wallet's passphrase (verified by the worker: a wrong one is `params.passphrase`). */
  passphrase: string;
  /** Must be `ERASE_CONFIRM_WORD`. */
  confirm: string;
  /**
   * The user read that funds in the channels still open or closing are lost without a channel
   * backup; required (else `params.acknowledgeChannels`) when there is any such channel.
   */
  acknowledgeChannels: boolean;
}

export interface EraseMethods {
  /** Resolves the wallet's new status (`none`); nothing is deleted when it rejects. */
  'wallet.erase': { params: EraseParams; result: WalletStatusDto };
}

export const ERASE_PARAMS: { [M in keyof EraseMethods]: (v: unknown) => EraseMethods[M]['params'] } = {
  'wallet.erase': (v) => {
    const o = shape(v, 'params', ['passphrase', 'confirm', 'acknowledgeChannels']);
    const passphrase = string(o.passphrase, 'params.passphrase', 1024);
    if (passphrase.length === 0) fail('params.passphrase', 'is empty');
    const confirm = string(o.confirm, 'params.confirm', 64);
    if (confirm !== ERASE_CONFIRM_WORD) fail('params.confirm', `type "${ERASE_CONFIRM_WORD}" to confirm`);
    return { passphrase, confirm, acknowledgeChannels: boolean(o.acknowledgeChannels, 'params.acknowledgeChannels') };
  },
};

/* What blocks an erase, or needs the acknowledgement: the same rules in the worker and in the Settings screen. */

/** A payment whose HTLCs are out: outgoing and pending, or incoming with an HTLC held. */
export function paymentInFlight(p: PaymentDto): boolean {
  if (p.status !== 'pending') return false;
  return p.direction === 'outgoing' || p.htlcs.some((h) => h.status === 'pending');
}

/** Channel states in which no funding transaction can exist yet (nothing of ours is in it). */
const NO_FUNDS_YET: readonly ChannelDto['state'][] = ['idle', 'wait-for-open-channel', 'wait-for-accept-channel', 'wait-for-funding-internal'];

/** The channel may still hold funds of ours: not closed (or closed with outputs still to sweep), nor aborted before funding. */
export function channelHoldsFunds(c: ChannelDto): boolean {
  if (c.state === 'aborted' || NO_FUNDS_YET.includes(c.state)) return false;
  if (c.state === 'closed') return c.outputs.some((o) => o.status === 'waiting' || o.status === 'claimable');
  return true;
}

/**
 * The result validators, given protocol.ts's status parser (passed in rather than imported, so
 * the two modules do not depend on each other at load time).
 */
export function eraseResults(status: (v: unknown, field: string) => WalletStatusDto): { [M in keyof EraseMethods]: (v: unknown) => EraseMethods[M]['result'] } {
  return { 'wallet.erase': (v) => status(v, 'result') };
}
