/**
 * node:net ↔ LDK PeerManager adapter: one `LdkPeerSocket` per TCP connection.
 *
 * LDK's contract (lightning::ln::peer_handler), and how it is met here:
 * - Inbound: `new_inbound_connection(descriptor, addr)` before any byte is read; the dialer speaks
 *   first. Outbound: `new_outbound_connection(theirId, descriptor, addr)` returns noise act 1,
 *   which we must write ourselves.
 * - Bytes read go to `read_event`. `Ok(true)` means "stop reading until `send_data` is called with
 *   `resume_read = true`". An `Err` means LDK has dropped the peer and we must close the socket.
 *   `read_event` never writes, so the node's pump (process_events) runs right after it.
 * - `send_data` returns how many bytes were taken. Node sockets buffer anything written, so a
 *   chunk is taken whole while the socket is not backed up. Once `write()` reports a full buffer
 *   (returns false), later sends return 0; LDK keeps that data, and on `'drain'` we call
 *   `write_buffer_space_avail`, which re-sends it. (lightningdevkit-node-net never cleared its
 *   back-pressure flag on drain and stalled for ever.) While a send is incomplete, reading is
 *   paused too, as LDK requires.
 * - `disconnect_socket` (LDK wants the connection gone): close the socket and do *not* call
 *   `socket_disconnected` afterwards. Any other close: `socket_disconnected`.
 * - Callbacks from LDK (`send_data`, `disconnect_socket`) run inside LDK calls, so they never
 *   call back into LDK; resuming reads is deferred with `setImmediate`.
 */
import { isIPv4 } from 'node:net';
import type { Socket } from 'node:net';
import type { Option_SocketAddressZ, PeerManager, SocketDescriptor } from 'lightningdevkit';
import type { Ldk } from './wasm.ts';

/** What a peer socket needs from the node that owns it. */
export interface PeerSocketHost {
  readonly ldk: Ldk;
  readonly peerManager: PeerManager;
  /** True once the node is stopping: make no more LDK calls. */
  readonly stopped: boolean;
  /** Run the node's event pump now (LDK consumed input or socket state changed). */
  pump(): void;
  /** An LDK call threw (a Rust panic is `RuntimeError: unreachable`). */
  fail(error: unknown): void;
  log(line: string): void;
  /** The socket is closed and LDK has been told. */
  onClosed(socket: LdkPeerSocket): void;
}

/** Largest slice handed to one `read_event` (LDK asks for "on the order of 4 KiB"). */
const MAX_READ_BYTES = 4096;
/** After `disconnect_socket` we half-close (FIN) so queued bytes still go out, then force. */
const FORCE_CLOSE_AFTER_MS = 1000;

let nextSocketId = 1n;

/** One TCP connection owned by an LDK PeerManager. */
export class LdkPeerSocket {
  /** Unique per process; it is the descriptor's `hash()` and identity. */
  readonly id: bigint = nextSocketId++;
  readonly direction: 'inbound' | 'outbound';
  /** `host:port` of the other end. */
  readonly remote: string;
  /** The descriptor LDK knows this connection by. */
  readonly descriptor: SocketDescriptor;
  /** Resolves once the TCP socket is closed (for any reason) and LDK has been told. */
  readonly closed: Promise<void>;
  /** Why the connection ended, once it has (first reason wins). */
  closeReason: string | undefined;

  private readonly host: PeerSocketHost;
  private readonly socket: Socket;
  private readonly inbound: Uint8Array[] = [];
  private registered = false;
  private isClosed = false;
  private disconnectRequestedByLdk = false;
  private readPausedByLdk = false;
  private sendIncomplete = false;
  private socketBackedUp = false;
  private inboundScheduled = false;
  private forceCloseTimer: NodeJS.Timeout | undefined;
  private resolveClosed!: () => void;

  /** Adopt an accepted socket and register it with the PeerManager as inbound. */
  static accept(host: PeerSocketHost, socket: Socket): LdkPeerSocket {
    const peer = new LdkPeerSocket(host, socket, 'inbound', `${socket.remoteAddress}:${socket.remotePort}`);
    const result = host.peerManager.new_inbound_connection(peer.descriptor, socketAddressOf(host.ldk, socket));
    if (result.is_ok()) peer.registered = true;
    else peer.destroy('PeerManager refused the inbound connection');
    return peer;
  }

  /** Open a TCP connection and, once it is up, register it as outbound and send noise act 1. */
  static dial(host: PeerSocketHost, socket: Socket, theirNodeId: Uint8Array, remote: string): LdkPeerSocket {
    const peer = new LdkPeerSocket(host, socket, 'outbound', remote);
    socket.once('connect', () => {
      if (host.stopped) return peer.destroy('node stopped');
      const result = peer.callLdk(() => host.peerManager.new_outbound_connection(theirNodeId, peer.descriptor, socketAddressOf(host.ldk, socket)));
      if (!result) return;
      if (!(result instanceof host.ldk.Result_CVec_u8ZPeerHandleErrorZ_OK)) {
        return peer.destroy('PeerManager refused the outbound connection');
      }
      peer.registered = true;
      peer.sendData(result.res, true);
      peer.updateFlow();
    });
    return peer;
  }

  private constructor(host: PeerSocketHost, socket: Socket, direction: 'inbound' | 'outbound', remote: string) {
    this.host = host;
    this.socket = socket;
    this.direction = direction;
    this.remote = remote;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const id = this.id;
    this.descriptor = host.ldk.SocketDescriptor.new_impl({
      send_data: (data, resumeRead) => this.sendData(data, resumeRead),
      disconnect_socket: () => this.disconnectRequested(),
      eq: (other) => other.hash() === id,
      hash: () => id,
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('drain', () => this.drained());
    socket.on('error', (error) => {
      this.closeReason ??= error.message;
      host.log(`socket ${this.remote}: ${error.message}`);
    });
    socket.on('close', () => this.socketClosed());
  }

  /** True once the TCP socket has closed. */
  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Close the connection now (LDK is told through the `'close'` handler). */
  destroy(reason: string): void {
    this.closeReason ??= reason;
    this.socket.destroy();
  }

  /** SocketDescriptor.send_data: called by LDK, inside an LDK call. */
  private sendData(data: Uint8Array, resumeRead: boolean): number {
    if (resumeRead && this.readPausedByLdk) {
      this.readPausedByLdk = false;
      this.scheduleInbound();
    }
    if (this.isClosed || this.disconnectRequestedByLdk || this.socket.destroyed || data.length === 0) return 0;
    if (this.socketBackedUp) {
      this.sendIncomplete = true;
      this.updateFlow();
      return 0;
    }
    if (this.sendIncomplete) {
      this.sendIncomplete = false;
      this.scheduleInbound();
    }
    if (!this.socket.write(data)) this.socketBackedUp = true;
    return data.length;
  }

  /** SocketDescriptor.disconnect_socket: LDK has forgotten this connection; close it. */
  private disconnectRequested(): void {
    this.disconnectRequestedByLdk = true;
    this.closeReason ??= 'disconnected by LDK';
    this.inbound.length = 0;
    if (this.isClosed) return;
    this.socket.pause();
    this.socket.end();
    this.forceCloseTimer = setTimeout(() => this.socket.destroy(), FORCE_CLOSE_AFTER_MS);
    this.forceCloseTimer.unref();
  }

  private received(chunk: Buffer): void {
    if (this.disconnectRequestedByLdk || this.isClosed) return;
    this.inbound.push(chunk);
    this.feedInbound();
  }

  private drained(): void {
    this.socketBackedUp = false;
    if (this.isClosed || this.disconnectRequestedByLdk || !this.registered || this.host.stopped) return;
    const result = this.callLdk(() => this.host.peerManager.write_buffer_space_avail(this.descriptor));
    if (result && !result.is_ok()) return this.destroy('LDK closed the connection after a write');
    this.feedInbound();
  }

  private get canRead(): boolean {
    return this.registered && !this.isClosed && !this.disconnectRequestedByLdk && !this.readPausedByLdk && !this.sendIncomplete;
  }

  /** Hand buffered input to LDK while it will take it, then run the pump once. */
  private feedInbound(): void {
    if (this.host.stopped) return;
    let fed = false;
    while (this.inbound.length > 0 && this.canRead) {
      const head = this.inbound[0]!;
      const slice = head.length > MAX_READ_BYTES ? head.subarray(0, MAX_READ_BYTES) : head;
      if (slice === head) this.inbound.shift();
      else this.inbound[0] = head.subarray(MAX_READ_BYTES);
      const result = this.callLdk(() => this.host.peerManager.read_event(this.descriptor, slice));
      if (!result) return;
      fed = true;
      if (result instanceof this.host.ldk.Result_boolPeerHandleErrorZ_Err) {
        this.destroy('LDK dropped the peer (PeerHandleError while reading)');
        break;
      }
      if (result instanceof this.host.ldk.Result_boolPeerHandleErrorZ_OK && result.res) this.readPausedByLdk = true;
    }
    this.updateFlow();
    if (fed) this.host.pump();
  }

  private scheduleInbound(): void {
    if (this.inboundScheduled) return;
    this.inboundScheduled = true;
    setImmediate(() => {
      this.inboundScheduled = false;
      this.feedInbound();
    });
  }

  /** Pause the socket while LDK must not be fed, resume when it may. */
  private updateFlow(): void {
    if (this.isClosed) return;
    if (this.canRead) this.socket.resume();
    else this.socket.pause();
  }

  private socketClosed(): void {
    this.isClosed = true;
    this.closeReason ??= 'closed by the remote end';
    clearTimeout(this.forceCloseTimer);
    this.inbound.length = 0;
    if (this.registered && !this.disconnectRequestedByLdk && !this.host.stopped) {
      this.callLdk(() => this.host.peerManager.socket_disconnected(this.descriptor));
      this.host.pump();
    }
    this.host.onClosed(this);
    this.resolveClosed();
  }

  /** Run an LDK call; a throw (panic) is handed to the node and the socket is dropped. */
  private callLdk<T>(call: () => T): T | undefined {
    try {
      return call();
    } catch (error) {
      this.destroy(`LDK threw: ${String(error)}`);
      this.host.fail(error);
      return undefined;
    }
  }
}

/** The peer's address in LDK's form (IPv4 only; anything else is reported as unknown). */
function socketAddressOf(ldk: Ldk, socket: Socket): Option_SocketAddressZ {
  const address = socket.remoteAddress?.replace(/^::ffff:/, '');
  const port = socket.remotePort;
  if (!address || port === undefined || !isIPv4(address)) return ldk.Option_SocketAddressZ.constructor_none();
  const octets = Uint8Array.from(address.split('.').map(Number));
  return ldk.Option_SocketAddressZ.constructor_some(ldk.SocketAddress.constructor_tcp_ip_v4(octets, port));
}
