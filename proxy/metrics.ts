// Counters for `GET /metrics`, in the Prometheus text exposition format (version 0.0.4,
// https://prometheus.io/docs/instrumenting/exposition_formats/). One set per process, in memory
// only: the proxy stays stateless, a restart resets the counters (Prometheus handles counter
// resets), and each instance behind a load balancer is scraped on its own.

/** Why an upgrade was refused: a limit (1013 / HTTP 503) or the policy (Origin, path, port, address: 1008). */
export type RefusalKind = 'limit' | 'policy';

export class ProxyMetrics {
  /** Relays admitted since start. */
  connectionsTotal = 0;
  /** Bytes from clients to peers (WebSocket → TCP), counted as they arrive. */
  bytesUp = 0;
  /** Bytes from peers to clients (TCP → WebSocket). */
  bytesDown = 0;
  /** Relays that ended in an error: DNS failure, connect failure or timeout, peer connection error (1011). */
  errors = 0;
  readonly refused: Record<RefusalKind, number> = { limit: 0, policy: 0 };
  readonly #startedMs: number;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#startedMs = now();
  }

  refuse(kind: RefusalKind): void {
    this.refused[kind]++;
  }

  /** The exposition text; `open`: relays holding a connection slot now. */
  render(open: number): string {
    const uptime = Math.max(0, this.#now() - this.#startedMs) / 1000;
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: Array<[labels: string, value: number]>): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric('glint_proxy_connections_open', 'gauge', 'WebSocket relays open now (admitted, not yet closed).', [['', open]]);
    metric('glint_proxy_connections_total', 'counter', 'WebSocket relays admitted since the process started.', [['', this.connectionsTotal]]);
    metric('glint_proxy_bytes_up_total', 'counter', 'Bytes relayed from clients to peers (WebSocket to TCP).', [['', this.bytesUp]]);
    metric('glint_proxy_bytes_down_total', 'counter', 'Bytes relayed from peers to clients (TCP to WebSocket).', [['', this.bytesDown]]);
    metric('glint_proxy_refused_total', 'counter', 'Upgrades refused, by reason: limit (capacity, per-IP cap) or policy (origin, path, port, address).', [
      ['{reason="limit"}', this.refused.limit],
      ['{reason="policy"}', this.refused.policy],
    ]);
    metric('glint_proxy_errors_total', 'counter', 'Relays ended by an error: DNS, connect failure or timeout, peer connection error.', [['', this.errors]]);
    metric('glint_proxy_uptime_seconds', 'gauge', 'Seconds since the proxy started.', [['', Number(uptime.toFixed(3))]]);
    return `${lines.join('\n')}\n`;
  }
}
