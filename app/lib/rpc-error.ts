/**
 * The worker's errors for the user (pure): an RPC error that names a parameter (`field`, e.g.
 * `params.amountMsat`) arrives as `params.amountMsat: must be …`; the form shows the reason next to
 * the field it maps to, without the prefix and starting with a capital letter.
 */

export interface ErrorParts<F extends string> {
  /** The form field the error is about, or null for the form as a whole. */
  readonly field: F | null;
  readonly text: string;
}

/** Split a worker error into the form field it is about (through `fieldOf`) and its words. */
export function errorParts<F extends string>(err: unknown, fieldOf: Readonly<Record<string, F>>): ErrorParts<F> {
  const raw = (err as { field?: unknown } | null)?.field;
  const text = err instanceof Error ? err.message : String(err);
  if (typeof raw !== 'string') return { field: null, text };
  const bare = text.startsWith(`${raw}: `) ? text.slice(raw.length + 2) : text;
  return { field: fieldOf[raw] ?? null, text: bare.charAt(0).toUpperCase() + bare.slice(1) };
}
