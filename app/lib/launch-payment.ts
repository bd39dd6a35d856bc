/**
 * A payment handed to Glint by the operating system (pure): the manifest's `protocol_handlers`
 * open `/?uri=<the whole URI>` for `bitcoin:` (BIP21) and `web+lightning:` links, and its
 * `share_target` (Web Share Target, GET) opens `/?title=…&text=…&url=…` when the user shares an
 * invoice or address to Glint. app/main.ts reads the query once at startup and opens the Send
 * screen with the text; the Send screen's own checks (app/lib/payment-input.ts, then the worker's
 * decoder) name whatever is wrong with it — nothing is paid without the review.
 *
 * `lightning:` itself is not a scheme a web app may register (registerProtocolHandler accepts only
 * the HTML safelist, which has `bitcoin` but not `lightning`, and `web+` schemes), hence
 * `web+lightning:`, which is mapped back to `lightning:` here.
 */

/** The query parameters, in the order they are tried. */
export const LAUNCH_PARAMS = ['uri', 'url', 'text', 'title'] as const;

/** A token in a shared sentence that is a payment: a URI, an invoice, an address. */
const PAYMENT_TOKEN = /^(lightning:|bitcoin:|web\+lightning:|ln[a-z0-9]|bc1|tb1|bcrt1|[123mn2][a-km-zA-HJ-NP-Z1-9]{25,})/i;

function normalise(token: string): string {
  return /^web\+lightning:/i.test(token) ? `lightning:${token.slice('web+lightning:'.length)}` : token;
}

/**
 * The payment text a launch URL's query carries, or null when it carries none (an ordinary start).
 * A shared sentence ("Pay me: lnbc…") gives its payment token; a text with no such token is
 * returned whole, so the Send screen explains why it is not a payment.
 */
export function launchPaymentText(search: string): string | null {
  const params = new URLSearchParams(search);
  let fallback: string | null = null;
  for (const name of LAUNCH_PARAMS) {
    const value = params.get(name)?.trim();
    if (!value) continue;
    const token = value.split(/\s+/).find((t) => PAYMENT_TOKEN.test(t));
    if (token !== undefined) return normalise(token.replace(/[.,;!?)\]]+$/, ''));
    fallback ??= value;
  }
  return fallback;
}
