/**
 * The node as the UI sees it: a reactive wrapper over the worker RPC client. Snapshots are
 * `$state.raw` and replaced wholesale on every event; components read them and call methods.
 */
import type { RpcClient } from '../../workers/rpc/client.ts';
import type { LogLevel, NodeEvent, NodeInfoDto, PeerDto } from '../../workers/rpc/protocol.ts';

export interface RemoteNote {
  kind: 'error' | 'warning';
  text: string;
  at: number;
}

export interface PeerView extends PeerDto {
  /** `reconnecting`: the link dropped and the node is re-dialling (see `reason`). */
  state: 'connected' | 'reconnecting';
  reason: string | null;
  /** Error/warning messages the peer sent, newest last. */
  remote: RemoteNote[];
}

export interface Notice {
  id: number;
  tone: 'info' | 'warn' | 'error';
  text: string;
  at: number;
}

export interface LogEntry {
  id: number;
  level: LogLevel;
  message: string;
  at: number;
}

const MAX_REMOTE_NOTES = 5;
const MAX_NOTICES = 6;
const MAX_LOG = 200;

const shortId = (id: string): string => `${id.slice(0, 8)}…${id.slice(-6)}`;

export class NodeState {
  info: NodeInfoDto = $state.raw({ status: 'starting', nodeId: null, error: null, protocol: 0 });
  peers: PeerView[] = $state.raw([]);
  notices: Notice[] = $state.raw([]);
  log: LogEntry[] = $state.raw([]);
  /** "Use here" is under way / why it failed. */
  takeoverBusy = $state(false);
  takeoverError: string | null = $state(null);
  /** The wallet's storage is full: what to tell the user (null: writes go through). */
  storageFull: string | null = $state(null);

  readonly #client: RpcClient;
  #seq = 0;
  #unsubscribe: () => void;
  readonly #resumed = new Set<(info: NodeInfoDto) => void>();

  constructor(client: RpcClient) {
    this.#client = client;
    this.#unsubscribe = client.subscribe((e) => this.#onEvent(e));
  }

  /** Call `fn` each time the node comes to run here after running elsewhere (`locked` / `stopped` → `running`). */
  onResumed(fn: (info: NodeInfoDto) => void): () => void {
    this.#resumed.add(fn);
    return () => this.#resumed.delete(fn);
  }

  get running(): boolean {
    return this.info.status === 'running';
  }

  /**
   * Wait for the worker and load the peer list. Live ping figures come from the engine's own
   * keepalive pings (every 30 s, as often as BOLT 1 lets a node ping without being dropped for
   * flooding) and from one ping right after connecting.
   */
  async start(info?: NodeInfoDto): Promise<void> {
    try {
      this.info = info ?? (await this.#client.ready());
    } catch (err) {
      this.info = { status: 'failed', nodeId: null, error: err instanceof Error ? err.message : String(err), protocol: 0 };
      return;
    }
    if (!this.running) return;
    try {
      const peers = await this.#client.request('peers.list', {});
      this.peers = peers.map((p) => this.#view(p));
    } catch (err) {
      this.#notice('error', `Could not list peers: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Connect to `uri`; rejects with the worker's error (its message is shown verbatim). */
  async connect(uri: string, proxy: string | null): Promise<PeerDto> {
    const peer = await this.#client.request('peers.connect', { uri, proxy });
    this.#upsert(this.#view(peer));
    void this.#ping(peer.nodeId);
    return peer;
  }

  async disconnect(nodeId: string): Promise<void> {
    try {
      await this.#client.request('peers.disconnect', { nodeId });
    } catch (err) {
      this.#notice('error', `Could not disconnect ${shortId(nodeId)}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.peers = this.peers.filter((p) => p.nodeId !== nodeId);
  }

  /**
   * "Use here": the tab that runs the wallet stops its node and lets go; this one takes it. The
   * `node.status` event (running) follows; main.ts reloads the rest of the UI's state then.
   */
  async takeOver(): Promise<void> {
    if (this.takeoverBusy) return;
    this.takeoverBusy = true;
    this.takeoverError = null;
    try {
      this.info = await this.#client.request('node.takeover', {});
    } catch (err) {
      this.takeoverError = err instanceof Error ? err.message : String(err);
    } finally {
      this.takeoverBusy = false;
    }
  }

  dismiss(noticeId: number): void {
    this.notices = this.notices.filter((n) => n.id !== noticeId);
  }

  destroy(): void {
    this.#unsubscribe();
    this.#client.close();
  }

  #view(p: PeerDto): PeerView {
    const old = this.peers.find((x) => x.nodeId === p.nodeId);
    return { ...p, pingMs: p.pingMs ?? old?.pingMs ?? null, state: 'connected', reason: null, remote: old?.remote ?? [] };
  }

  #upsert(view: PeerView): void {
    const i = this.peers.findIndex((p) => p.nodeId === view.nodeId);
    this.peers = i < 0 ? [...this.peers, view] : this.peers.map((p, j) => (j === i ? view : p));
  }

  #patch(nodeId: string, fn: (p: PeerView) => PeerView): void {
    if (!this.peers.some((p) => p.nodeId === nodeId)) return;
    this.peers = this.peers.map((p) => (p.nodeId === nodeId ? fn(p) : p));
  }

  #notice(tone: Notice['tone'], text: string): void {
    this.notices = [...this.notices, { id: ++this.#seq, tone, text, at: Date.now() }].slice(-MAX_NOTICES);
  }

  async #ping(nodeId: string): Promise<void> {
    try {
      const { rttMs } = await this.#client.request('peers.ping', { nodeId });
      this.#patch(nodeId, (p) => ({ ...p, pingMs: rttMs }));
    } catch {
      // A ping that fails means the link is going down; the disconnect event tells the story.
    }
  }

  #onEvent(e: NodeEvent): void {
    switch (e.type) {
      case 'node.status': {
        const was = this.info.status;
        this.info = e.info;
        if (e.info.status !== 'running') this.peers = [];
        if (e.info.status === 'running' && (was === 'locked' || was === 'stopped')) {
          void this.start(e.info);
          for (const fn of this.#resumed) fn(e.info);
        }
        return;
      }
      case 'peer.connected':
        this.#upsert(this.#view(e.peer));
        return;
      case 'peer.disconnected': {
        const peer = this.peers.find((p) => p.nodeId === e.nodeId);
        const last = peer?.remote.at(-1);
        const said = last ? ` (it said: “${last.text}”)` : '';
        if (e.willReconnect) {
          this.#patch(e.nodeId, (p) => ({ ...p, state: 'reconnecting', reason: e.reason, pingMs: null }));
          this.#notice('warn', `Lost ${shortId(e.nodeId)}: ${e.reason}${said}. Reconnecting…`);
        } else {
          this.peers = this.peers.filter((p) => p.nodeId !== e.nodeId);
          const tone = e.reason === 'disconnected by us' ? 'info' : 'warn';
          this.#notice(tone, `Disconnected from ${shortId(e.nodeId)}: ${e.reason}${said}`);
        }
        return;
      }
      case 'peer.ping':
        this.#patch(e.nodeId, (p) => ({ ...p, pingMs: e.rttMs }));
        return;
      case 'peer.remote-error':
        if (!this.peers.some((p) => p.nodeId === e.nodeId)) {
          // Before init completes (e.g. the peer refuses us): there is no card to show it on.
          this.#notice(e.kind === 'error' ? 'error' : 'warn', `${shortId(e.nodeId)} sent ${e.kind === 'error' ? 'an error' : 'a warning'}: “${e.text}”`);
          return;
        }
        this.#patch(e.nodeId, (p) => ({ ...p, remote: [...p.remote, { kind: e.kind, text: e.text, at: Date.now() }].slice(-MAX_REMOTE_NOTES) }));
        return;
      case 'log':
        this.log = [...this.log, { id: ++this.#seq, level: e.level, message: e.message, at: e.at }].slice(-MAX_LOG);
        return;
      case 'storage.full':
        this.storageFull = e.message;
        return;
    }
  }
}
