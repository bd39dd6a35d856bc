/**
 * The unit amounts are shown in: sats (the default) or BTC. A UI preference, remembered in this
 * browser's localStorage (`glint.units`) and shared by every tab through the `storage` event.
 * Every amount on the money screens goes through `formatAmount(amount, units.unit)`.
 */
import { createSubscriber } from 'svelte/reactivity';
import { DEFAULT_UNIT, formatAmount, amountParts, parseUnit, type Amount, type AmountParts, type AmountUnit } from '../lib/amount.ts';

const KEY = 'glint.units';

function store(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled (some privacy modes): the default for this session
  }
}

class Units {
  #unit: AmountUnit = $state(DEFAULT_UNIT);
  readonly #subscribe = createSubscriber((update) => {
    const onStorage = (e: StorageEvent): void => {
      if (e.key === KEY || e.key === null) {
        this.#unit = this.#read();
        update();
      }
    };
    addEventListener('storage', onStorage);
    return () => removeEventListener('storage', onStorage);
  });

  constructor() {
    this.#unit = this.#read();
  }

  #read(): AmountUnit {
    try {
      return parseUnit(store()?.getItem(KEY));
    } catch {
      return DEFAULT_UNIT;
    }
  }

  get unit(): AmountUnit {
    this.#subscribe();
    return this.#unit;
  }

  set(unit: AmountUnit): void {
    this.#unit = unit;
    try {
      store()?.setItem(KEY, unit);
    } catch {
      /* quota or disabled storage: keep it for this session */
    }
  }

  /** `formatAmount` in the chosen unit. */
  format(a: Amount, opts: { signed?: boolean } = {}): string {
    return formatAmount(a, this.unit, opts);
  }

  parts(a: Amount, opts: { signed?: boolean } = {}): AmountParts {
    return amountParts(a, this.unit, opts);
  }
}

export const units = new Units();
