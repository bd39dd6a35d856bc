// Proxy options: defaults, validation, and parsing from command-line flags and environment variables.

import type { Socket } from 'node:net';
import type { LogLevel, LogSink } from './log.ts';
import { DEFAULT_PORT } from './policy.ts';

/** Resolves a hostname to addresses (in preference order). Injected in tests; DNS by default. */
export type LookupFn = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;
/** Opens a TCP connection. Injected in tests; `net.connect` by default. */
export type ConnectFn = (opts: { host: string; port: number }) => Socket;

export interface ProxyOptions {
  /** Listen address. Default 127.0.0.1. */
  host?: string;
  /** Listen port; 0 picks an ephemeral port. Default 8080. */
  port?: number;
  /** Destination ports allowed in addition to 9735. */
  allowPorts?: readonly number[];
  /** Permit loopback/private/link-local/CGNAT/ULA destinations. Default false. */
  allowPrivate?: boolean;
  /** Allowed Origin header values (e.g. https://app.example). Empty: any origin. */
  allowOrigins?: readonly string[];
  /** Take the client IP from the last X-Forwarded-For entry. Default false. */
  trustProxy?: boolean;
  /** Deadline for DNS + TCP connect, ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** Close a relay with no bytes in either direction for this long, ms. Default 300 000. */
  idleTimeoutMs?: number;
  /** Concurrent connections per client IP (IPv6: per /64). Default 5. */
  maxPerIp?: number;
  /** Concurrent connections in total. Default 200. */
  maxTotal?: number;
  /** Largest WebSocket message accepted from a client, bytes. Default 1 MiB. */
  maxMessageBytes?: number;
  /** Bytes queued towards a WebSocket client before reading from TCP pauses. Default 1 MiB. */
  highWaterMark?: number;
  /** Minimum level logged. Default info. */
  logLevel?: LogLevel;
  /** Where log records go. Default: one JSON object per line on stderr. */
  log?: LogSink;
  lookup?: LookupFn;
  connect?: ConnectFn;
}

export type ResolvedOptions = Required<Omit<ProxyOptions, 'log' | 'lookup' | 'connect'>> &
  Pick<ProxyOptions, 'log' | 'lookup' | 'connect'>;

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  allowPorts: [] as readonly number[],
  allowPrivate: false,
  allowOrigins: [] as readonly string[],
  trustProxy: false,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  maxPerIp: 5,
  maxTotal: 200,
  maxMessageBytes: 1 << 20,
  highWaterMark: 1 << 20,
  logLevel: 'info' as LogLevel,
} as const;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export class OptionsError extends Error {
  override name = 'OptionsError';
}

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new OptionsError(`${name}: expected an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
}

/** Normalises an allowed origin to `scheme://host[:port]`, naming `name` on error. */
export function normaliseOrigin(name: string, v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new OptionsError(`${name}: ${JSON.stringify(v)} is not an origin like https://app.example`);
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || (u.pathname !== '/' && u.pathname !== '') ||
      u.search !== '' || u.hash !== '' || u.username !== '' || v.endsWith('/')) {
    throw new OptionsError(`${name}: ${JSON.stringify(v)} is not an origin like https://app.example (no path)`);
  }
  return u.origin;
}

/** Fills in defaults and validates programmatic options. Errors name the option. */
export function resolveOptions(o: ProxyOptions = {}): ResolvedOptions {
  const r: ResolvedOptions = { ...DEFAULTS, ...stripUndefined(o) };
  if (typeof r.host !== 'string' || r.host === '') throw new OptionsError('host: must be a non-empty string');
  int('port', r.port, 0, 65535);
  r.allowPorts.forEach((p) => int('allowPorts', p, 1, 65535));
  r.allowOrigins = r.allowOrigins.map((x) => normaliseOrigin('allowOrigins', x));
  int('connectTimeoutMs', r.connectTimeoutMs, 1, 3_600_000);
  int('idleTimeoutMs', r.idleTimeoutMs, 1, 86_400_000);
  int('maxPerIp', r.maxPerIp, 1, 1_000_000);
  int('maxTotal', r.maxTotal, 1, 1_000_000);
  int('maxMessageBytes', r.maxMessageBytes, 1024, 1 << 30);
  int('highWaterMark', r.highWaterMark, 1024, 1 << 30);
  if (!LEVELS.includes(r.logLevel)) throw new OptionsError(`logLevel: expected one of ${LEVELS.join(', ')}`);
  return r;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---- command line ---------------------------------------------------------------------------

interface Spec {
  readonly flag: string;
  readonly env: string;
  readonly arg?: string;
  readonly help: string;
  readonly apply: (name: string, value: string, o: ProxyOptions) => void;
}

function parseInt10(name: string, v: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(v.trim())) {
    throw new OptionsError(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return int(name, Number(v.trim()), min, max);
}

function parseSeconds(name: string, v: string, maxSeconds: number): number {
  const s = v.trim();
  const n = Number(s);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(s) || !(n > 0) || n > maxSeconds) {
    throw new OptionsError(`${name}: expected seconds greater than 0 and at most ${maxSeconds}, got ${JSON.stringify(v)}`);
  }
  return Math.max(1, Math.round(n * 1000));
}

function parseBool(name: string, v: string): boolean {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
  throw new OptionsError(`${name}: expected true/false (or 1/0), got ${JSON.stringify(v)}`);
}

function list(v: string): string[] {
  return v.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

const SPECS: readonly Spec[] = [
  { flag: '--host', env: 'GLINT_PROXY_HOST', arg: 'ADDR', help: `listen address (default ${DEFAULTS.host}; 0.0.0.0 or :: for all)`,
    apply: (n, v, o) => { if (v.trim() === '') throw new OptionsError(`${n}: must not be empty`); o.host = v.trim(); } },
  { flag: '--port', env: 'GLINT_PROXY_PORT', arg: 'N', help: `listen port (default ${DEFAULTS.port}; 0 = ephemeral)`,
    apply: (n, v, o) => { o.port = parseInt10(n, v, 0, 65535); } },
  { flag: '--allow-port', env: 'GLINT_PROXY_ALLOW_PORTS', arg: 'N[,N...]', help: `also allow this destination port (${DEFAULT_PORT} is always allowed; repeatable)`,
    apply: (n, v, o) => { o.allowPorts = [...(o.allowPorts ?? []), ...list(v).map((p) => parseInt10(n, p, 1, 65535))]; } },
  { flag: '--allow-private', env: 'GLINT_PROXY_ALLOW_PRIVATE', help: 'allow loopback/private/link-local/CGNAT/ULA destinations (local testing only!)',
    apply: (n, v, o) => { o.allowPrivate = parseBool(n, v); } },
  { flag: '--allow-origin', env: 'GLINT_PROXY_ALLOW_ORIGINS', arg: 'ORIGIN[,...]', help: 'only accept WebSockets whose Origin is one of these (repeatable; default: any)',
    apply: (n, v, o) => { o.allowOrigins = [...(o.allowOrigins ?? []), ...list(v).map((x) => normaliseOrigin(n, x))]; } },
  { flag: '--trust-proxy', env: 'GLINT_PROXY_TRUST_PROXY', help: 'client IP = last X-Forwarded-For entry (only behind your own reverse proxy)',
    apply: (n, v, o) => { o.trustProxy = parseBool(n, v); } },
  { flag: '--connect-timeout', env: 'GLINT_PROXY_CONNECT_TIMEOUT', arg: 'SECONDS', help: `DNS + TCP connect deadline (default ${DEFAULTS.connectTimeoutMs / 1000})`,
    apply: (n, v, o) => { o.connectTimeoutMs = parseSeconds(n, v, 3600); } },
  { flag: '--idle-timeout', env: 'GLINT_PROXY_IDLE_TIMEOUT', arg: 'SECONDS', help: `close after this long with no bytes either way (default ${DEFAULTS.idleTimeoutMs / 1000})`,
    apply: (n, v, o) => { o.idleTimeoutMs = parseSeconds(n, v, 86400); } },
  { flag: '--max-per-ip', env: 'GLINT_PROXY_MAX_PER_IP', arg: 'N', help: `concurrent connections per client IP, IPv6 per /64 (default ${DEFAULTS.maxPerIp})`,
    apply: (n, v, o) => { o.maxPerIp = parseInt10(n, v, 1, 1_000_000); } },
  { flag: '--max-total', env: 'GLINT_PROXY_MAX_TOTAL', arg: 'N', help: `concurrent connections in total (default ${DEFAULTS.maxTotal})`,
    apply: (n, v, o) => { o.maxTotal = parseInt10(n, v, 1, 1_000_000); } },
  { flag: '--max-message', env: 'GLINT_PROXY_MAX_MESSAGE', arg: 'BYTES', help: `largest WebSocket message from a client (default ${DEFAULTS.maxMessageBytes})`,
    apply: (n, v, o) => { o.maxMessageBytes = parseInt10(n, v, 1024, 1 << 30); } },
  { flag: '--log-level', env: 'GLINT_PROXY_LOG_LEVEL', arg: 'LEVEL', help: `${LEVELS.join('|')} (default ${DEFAULTS.logLevel})`,
    apply: (n, v, o) => {
      const l = v.trim() as LogLevel;
      if (!LEVELS.includes(l)) throw new OptionsError(`${n}: expected one of ${LEVELS.join(', ')}, got ${JSON.stringify(v)}`);
      o.logLevel = l;
    } },
];

export type CliResult = { help: true } | { help: false; options: ProxyOptions };

/**
 * Parses flags (`--flag value` or `--flag=value`) over environment variables. For the repeatable
 * list options, flags replace the environment variable's list. Throws OptionsError naming the flag.
 */
export function parseCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliResult {
  const o: ProxyOptions = {};
  for (const s of SPECS) {
    const v = env[s.env];
    if (v !== undefined) s.apply(s.env, v, o);
  }
  const seenList = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--help' || a === '-h') return { help: true };
    if (a === '--') continue;
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(0, eq) : a;
    const spec = SPECS.find((s) => s.flag === name);
    if (!spec) throw new OptionsError(`unknown option ${JSON.stringify(a)} (see --help)`);
    let value: string;
    if (!spec.arg) {
      value = eq >= 0 ? a.slice(eq + 1) : 'true';
    } else if (eq >= 0) {
      value = a.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new OptionsError(`${name}: missing value ${spec.arg}`);
      value = next;
      i++;
    }
    if ((name === '--allow-port' || name === '--allow-origin') && !seenList.has(name)) {
      seenList.add(name);
      if (name === '--allow-port') o.allowPorts = [];
      else o.allowOrigins = [];
    }
    spec.apply(name, value, o);
  }
  resolveOptions(o);
  return { help: false, options: o };
}

export function helpText(): string {
  const rows = SPECS.map((s) => {
    const left = `  ${s.flag}${s.arg ? ` ${s.arg}` : ''}`;
    return `${left.padEnd(34)}${s.help}\n${''.padEnd(34)}env ${s.env}`;
  });
  return `glint-proxy: WebSocket -> TCP proxy for Lightning peers

Usage: npm run proxy -- [options]        (or: tsx proxy/main.ts [options])

URL scheme (compatible with Mutiny's proxies):
  ws://HOST:PORT/v1/<host with every . written as _>/<port>
    /v1/203_0_113_7/9735           IPv4
    /v1/node_example_com/9735      hostname (resolved; every address is checked)
    /v1/[2001:db8::1]/9735         IPv6 in brackets (or percent-encoded %5B...%5D)
  Subprotocol "binary" is echoed if offered. Binary frames only: each TCP chunk is one binary
  message; a text frame from the client closes the connection (1003).
  Refusals (bad path, destination, port, origin, limits, connect failure) complete the WebSocket
  handshake, send ONE text frame with the reason, then close: 1008 policy, 1013 limits, 1011 connect.
  GET /health returns 200 "ok" (for load balancers). GET /metrics returns Prometheus text: open and
  total connections, bytes up/down, refusals by reason, errors, uptime (this process only).

Options (flags override environment variables):
${rows.join('\n')}
  --help, -h                      show this help
`;
}
