/**
 * Worker side of the RPC: validate every message from the UI, dispatch it to a handler, answer
 * with a response DTO, and stream events. Handlers receive validated params and return plain DTOs.
 */
import {
  PROTOCOL_VERSION,
  RpcValidationError,
  parseClientMessage,
  salvageRequestId,
  type Method,
  type NodeEvent,
  type NodeInfoDto,
  type ParamsOf,
  type ResultOf,
  type RpcErrorDto,
  type WorkerMessage,
} from './protocol.ts';

/** The worker global scope, or a MessagePort in tests. */
export interface ServerPort {
  postMessage(message: WorkerMessage): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

export type RpcHandlers = { [M in Method]: (params: ParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>> };

/** Thrown by a handler when the node is not running here (locked by another tab, or failed). */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}

/** Turn anything a handler threw into an error DTO; messages are passed through verbatim. */
export function toRpcError(err: unknown): RpcErrorDto {
  if (err instanceof RpcValidationError) return { code: 'invalid-params', message: err.message, field: err.field };
  if (err instanceof UnavailableError) return { code: 'unavailable', message: err.message, field: null };
  if (err instanceof Error) {
    // The engine's ValidationError (engine/lib/errors.ts) carries the field it is about; it is
    // matched by name so this module needs no engine import.
    const field = (err as { field?: unknown }).field;
    if (err.name === 'ValidationError' && typeof field === 'string') return { code: 'invalid-params', message: err.message, field };
    return { code: 'failed', message: err.message || err.name, field: null };
  }
  return { code: 'failed', message: String(err), field: null };
}

export class RpcServer {
  readonly #port: ServerPort;
  readonly #handlers: RpcHandlers;
  #info: NodeInfoDto | null = null;

  constructor(port: ServerPort, handlers: RpcHandlers) {
    this.#port = port;
    this.#handlers = handlers;
    port.addEventListener('message', (ev) => void this.#onMessage(ev.data));
  }

  /** Announce that the worker is listening, with the node's state. Also answers later `hello`s. */
  ready(info: NodeInfoDto): void {
    this.#info = info;
    this.#post({ kind: 'ready', protocol: PROTOCOL_VERSION, info });
  }

  /** Update the status reported to late `hello`s, and tell the UI. */
  status(info: NodeInfoDto): void {
    this.#info = info;
    this.emit({ type: 'node.status', info });
  }

  emit(event: NodeEvent): void {
    this.#post({ kind: 'event', event });
  }

  #post(message: WorkerMessage): void {
    try {
      this.#port.postMessage(message);
    } catch (err) {
      // A DTO that is not structured-clone-safe is a bug; report it instead of dropping silently.
      if (message.kind === 'response') {
        this.#port.postMessage({ kind: 'response', id: message.id, ok: false, error: { code: 'failed', message: `internal: could not send response (${toRpcError(err).message})`, field: null } });
      } else {
        console.error('glint: could not post message', message.kind, err);
      }
    }
  }

  async #onMessage(data: unknown): Promise<void> {
    let msg;
    try {
      msg = parseClientMessage(data);
    } catch (err) {
      const e = toRpcError(err);
      this.#post({ kind: 'response', id: salvageRequestId(data), ok: false, error: { ...e, code: 'invalid-request' } });
      return;
    }
    if (msg.kind === 'hello') {
      if (this.#info) this.#post({ kind: 'ready', protocol: PROTOCOL_VERSION, info: this.#info });
      return;
    }
    const { id, method, params } = msg;
    try {
      const handler = this.#handlers[method] as (p: typeof params) => unknown;
      const result = await handler(params);
      this.#post({ kind: 'response', id, ok: true, result: result ?? null });
    } catch (err) {
      this.#post({ kind: 'response', id, ok: false, error: toRpcError(err) });
    }
  }
}
