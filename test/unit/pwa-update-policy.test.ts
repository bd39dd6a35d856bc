/**
 * The update prompt's decision (app/lib/update-policy.ts): a waiting version is offered, applied
 * when asked and nothing is in flight, and never applied while a payment's HTLCs are in flight —
 * neither when asked in this tab nor when another tab made the new worker take control.
 */
import { describe, expect, it } from 'vitest';
import { updateAction, type UpdateSituation } from '../../app/lib/update-policy.ts';

const base: UpdateSituation = { waiting: false, controlledByNew: false, requested: false, inFlight: 0 };

describe('updateAction', () => {
  it('shows nothing while no new version waits', () => {
    expect(updateAction(base)).toBe('none');
    expect(updateAction({ ...base, requested: true, inFlight: 2 })).toBe('none');
  });

  it('offers a reload when a new version waits and nothing is in flight', () => {
    expect(updateAction({ ...base, waiting: true })).toBe('offer');
  });

  it('applies the update once asked for with nothing in flight', () => {
    expect(updateAction({ ...base, waiting: true, requested: true })).toBe('apply');
  });

  it('offers "after the payment finishes" while a payment is in flight, and never applies', () => {
    expect(updateAction({ ...base, waiting: true, inFlight: 1 })).toBe('offer-after-payment');
    expect(updateAction({ ...base, waiting: true, requested: true, inFlight: 1 })).toBe('deferred');
    expect(updateAction({ ...base, waiting: true, requested: true, inFlight: 3 })).toBe('deferred');
  });

  it('defers the reload another tab caused until the payment settles, then reloads', () => {
    expect(updateAction({ ...base, controlledByNew: true, inFlight: 1 })).toBe('deferred');
    expect(updateAction({ ...base, controlledByNew: true, inFlight: 0 })).toBe('apply');
  });

  it('goes from deferred to apply when the last in-flight payment settles', () => {
    const asked = { ...base, waiting: true, requested: true };
    const seen = [2, 1, 0].map((inFlight) => updateAction({ ...asked, inFlight }));
    expect(seen).toEqual(['deferred', 'deferred', 'apply']);
  });

  it('never returns apply for any situation with a payment in flight', () => {
    for (const waiting of [false, true])
      for (const controlledByNew of [false, true])
        for (const requested of [false, true]) expect(updateAction({ waiting, controlledByNew, requested, inFlight: 1 })).not.toBe('apply');
  });
});
