/**
 * The Activity screen's and the home's view of the wallet's history: on-chain transactions and
 * Lightning payments merged (app/lib/activity.ts), the chosen filter, the item shown in detail,
 * and what is pending (app/lib/pending.ts). Reads WalletState, PaymentsState and ChannelsState;
 * holds nothing of its own but the filter.
 */
import type { ChannelsState } from './channels.svelte.ts';
import type { PaymentsState } from './payments.svelte.ts';
import type { WalletState } from './wallet.svelte.ts';
import { clock } from './clock.svelte.ts';
import { filterActivity, mergeActivity, tipFromHistory, type ActivityFilter, type ActivityItem } from '../lib/activity.ts';
import { pendingItems, type PendingItem } from '../lib/pending.ts';

/** How many items the home's "Recent activity" shows. */
export const RECENT_COUNT = 5;

export class ActivityView {
  filter: ActivityFilter = $state('all');

  readonly #wallet: WalletState;
  readonly #payments: PaymentsState;
  readonly #channels: ChannelsState | null;

  readonly #items = $derived.by(() => mergeActivity(this.#wallet.history, this.#payments.list, clock.nowSec));

  constructor(wallet: WalletState, payments: PaymentsState, channels: ChannelsState | null = null) {
    this.#wallet = wallet;
    this.#payments = payments;
    this.#channels = channels;
  }

  /** Everything, newest first. */
  get items(): ActivityItem[] {
    return this.#items;
  }

  get shown(): ActivityItem[] {
    return filterActivity(this.#items, this.filter);
  }

  get recent(): ActivityItem[] {
    return this.#items.slice(0, RECENT_COUNT);
  }

  get loadError(): string | null {
    return this.#payments.loadError;
  }

  /** The chain tip as the wallet's history tells it, for "in N blocks". */
  get tipHeight(): number | null {
    return tipFromHistory(this.#wallet.history);
  }

  get pending(): PendingItem[] {
    return pendingItems({ txs: this.#wallet.history, channels: this.#channels?.channels ?? [], payments: this.#payments.list, tipHeight: this.tipHeight });
  }

  /** The item with this id (from the URL), or undefined when there is none (any more). */
  find(id: string): ActivityItem | undefined {
    return this.#items.find((i) => i.id === id);
  }
}
