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

/** An engine field path at the start of a message: `amount: `, `routeHints[0].feeBaseMsat: `. */
const ENGINE_FIELD = /^[a-z][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z0-9_]+)*: /;

const PREDICATE = /^(is|are|must|has|have|does|cannot|should)\b/;
const capital = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * A message from the node as a sentence: an engine field prefix in front of a full sentence is
 * dropped (`invoice: the invoice expired 31 s ago` → `The invoice expired 31 s ago`), one in front
 * of a bare predicate stays as its subject (`amountMsat: must be …` → `AmountMsat must be …`).
 */
export function asSentence(text: string): string {
  const m = ENGINE_FIELD.exec(text);
  if (!m || m[0].length === text.length) return capital(text);
  const rest = text.slice(m[0].length);
  return capital(PREDICATE.test(rest) ? `${m[0].slice(0, -2)} ${rest}` : rest);
}

/** Split a worker error into the form field it is about (through `fieldOf`) and its words. */
export function errorParts<F extends string>(err: unknown, fieldOf: Readonly<Record<string, F>>): ErrorParts<F> {
  const raw = (err as { field?: unknown } | null)?.field;
  const text = err instanceof Error ? err.message : String(err);
  if (typeof raw !== 'string') return { field: null, text: asSentence(text) };
  let bare = text.startsWith(`${raw}: `) ? text.slice(raw.length + 2) : text;
  // The engine's own field name may follow (`params.text: amount: …`): the form field says it already.
  const inner = ENGINE_FIELD.exec(bare);
  if (inner && inner[0].length < bare.length) bare = bare.slice(inner[0].length);
  // A bare predicate (`is not …`, `must be …`) about the field reads as a sentence about it.
  if (PREDICATE.test(bare)) bare = `This ${bare}`;
  return { field: fieldOf[raw] ?? null, text: capital(bare) };
}
