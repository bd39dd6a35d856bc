/**
 * The wall clock as reactive state, for countdowns (an invoice's expiry): reading `nowMs` in a
 * component or `$derived` re-runs it every second while something reads it, and stops ticking
 * when nothing does.
 */
import { createSubscriber } from 'svelte/reactivity';

class Clock {
  readonly #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, 1000);
    return () => clearInterval(timer);
  });

  /** Milliseconds since the epoch, updated every second while observed. */
  get nowMs(): number {
    this.#subscribe();
    return Date.now();
  }

  get nowSec(): number {
    return Math.floor(this.nowMs / 1000);
  }
}

export const clock = new Clock();
