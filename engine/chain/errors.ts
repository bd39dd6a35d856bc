/**
 * The one error type a chain backend raises about the server: every failure of an Esplora call
 * (transport, HTTP status, malformed body, a body that contradicts what it must prove) is an
 * `EsploraError` carrying the HTTP status, the request path and a one-line reason.
 */

export type EsploraErrorKind =
  /** A non-2xx status that was not retried, or whose retries ran out. */
  | 'http'
  /** 429 until the retries ran out, or a Retry-After longer than we are willing to wait. */
  | 'rate-limited'
  /** `fetch` itself rejected (DNS, connection refused, CORS, aborted). */
  | 'network'
  | 'timeout'
  /** 404: the server does not know the object (tx, block, height). */
  | 'not-found'
  /** The body is not what the endpoint returns (bad JSON, wrong type, bad hex, out of range). */
  | 'invalid'
  /** The body is well-formed but false: bytes that hash to another txid, a merkle proof that
   *  does not reach the header, a header whose hash or proof of work is wrong. */
  | 'mismatch'
  /** The server refused a broadcast; `body` holds its text verbatim. */
  | 'rejected';

export class EsploraError extends Error {
  override readonly name = 'EsploraError';
  readonly kind: EsploraErrorKind;
  /** HTTP status of the last response, or 0 when there was none (network error, timeout). */
  readonly status: number;
  /** Request path relative to the base URL, e.g. `/tx/<txid>/status`, or `POST /tx`. */
  readonly path: string;
  readonly reason: string;
  /** The server's response text, when it matters (broadcast rejections, HTTP errors). */
  readonly body: string | undefined;

  constructor(kind: EsploraErrorKind, path: string, reason: string, options: { status?: number; body?: string } = {}) {
    super(`esplora ${shortPath(path)}: ${reason}`);
    this.kind = kind;
    this.path = path;
    this.reason = reason;
    this.status = options.status ?? 0;
    this.body = options.body;
  }
}

/** `/tx/ab12cd34…/status` for logs: 64-hex segments shortened to their first 8 characters. */
export function shortPath(path: string): string {
  return path.replace(/[0-9a-fA-F]{64}/g, (h) => `${h.slice(0, 8)}…`);
}

/** The first `max` characters of a server's text, for error messages. */
export function snippet(text: string, max = 300): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
