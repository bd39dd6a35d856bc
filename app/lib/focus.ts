/** Focus helpers for forms (keyboard users land on the field an error is about). */
import { tick } from 'svelte';

/** Move keyboard focus to the element with `id` once the DOM has caught up (after an error). */
export async function focusField(id: string, select = false): Promise<void> {
  await tick();
  const el = document.getElementById(id);
  if (!(el instanceof HTMLElement)) return;
  el.focus();
  if (select && el instanceof HTMLInputElement) el.select();
}

/**
 * Mark a field touched when it is left — unless focus went to a submit button: the submit
 * validates anyway, and an error appearing on blur would shift the button from under the
 * pointer so the click never lands.
 */
export function touchOnLeave(mark: () => void): (e: FocusEvent) => void {
  return (e) => {
    const to = e.relatedTarget;
    if (to instanceof HTMLElement && to.closest('button[type="submit"], input[type="submit"]')) return;
    mark();
  };
}
