/**
 * `npm start` flags: each `--<name> <value>` with an environment fallback, then a default. Pure:
 * argv and env in, options out; a bad value throws a `PlaygroundUsageError` naming the flag.
 */

export interface PlaygroundOptions {
  /** Interface every server binds to: 127.0.0.1 (default) or e.g. 0.0.0.0 for the LAN. */
  host: string;
  /** The PWA and the playground page (and its /api). */
  appPort: number;
  proxyPort: number;
  esploraPort: number;
  /** LDK "hub": Glint users' peer, routes to the shop. */
  hubPort: number;
  /** LDK "shop": has a channel to the hub. */
  shopPort: number;
  /**
   * Serve the app over HTTPS with a fresh self-signed certificate (self-signed.ts); the Esplora
   * API and the proxy are then reached through the app's origin (/esplora, /ws), so an https page
   * loads no mixed content.
   */
  https: boolean;
  /** Serve the existing dist/ instead of building the PWA first. */
  skipBuild: boolean;
  /** Mine a block every this many seconds (0 = off); the page can toggle it. */
  autoMineSecs: number;
  /**
   * Keep the whole world (chain, hub, shop) in this directory across restarts (data-dir.ts);
   * absent: nothing is written.
   */
  data?: string;
  help: boolean;
}

export class PlaygroundUsageError extends Error {
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`${flag}: ${message}`);
    this.flag = flag;
    this.name = 'PlaygroundUsageError';
  }
}

interface FlagSpec {
  readonly key: keyof PlaygroundOptions;
  readonly env: string;
  readonly kind: 'port' | 'host' | 'bool' | 'secs' | 'path';
  readonly fallback: number | string | boolean;
  readonly doc: string;
}

export const FLAGS: Readonly<Record<string, FlagSpec>> = {
  '--host': { key: 'host', env: 'GLINT_HOST', kind: 'host', fallback: '127.0.0.1', doc: 'interface to bind (0.0.0.0 serves the LAN)' },
  '--app-port': { key: 'appPort', env: 'GLINT_APP_PORT', kind: 'port', fallback: 4173, doc: 'the PWA and the playground page' },
  '--proxy-port': { key: 'proxyPort', env: 'GLINT_PROXY_PORT', kind: 'port', fallback: 8080, doc: 'WebSocket→TCP proxy' },
  '--esplora-port': { key: 'esploraPort', env: 'GLINT_ESPLORA_PORT', kind: 'port', fallback: 3002, doc: 'Esplora API of the regtest chain' },
  '--hub-port': { key: 'hubPort', env: 'GLINT_HUB_PORT', kind: 'port', fallback: 9735, doc: 'LDK hub node (Lightning P2P)' },
  '--shop-port': { key: 'shopPort', env: 'GLINT_SHOP_PORT', kind: 'port', fallback: 9736, doc: 'LDK shop node (Lightning P2P)' },
  '--auto-mine': { key: 'autoMineSecs', env: 'GLINT_AUTO_MINE', kind: 'secs', fallback: 0, doc: 'mine a block every N seconds (0 = off)' },
  '--https': { key: 'https', env: 'GLINT_HTTPS', kind: 'bool', fallback: false, doc: 'serve over HTTPS with a fresh self-signed certificate' },
  '--skip-build': { key: 'skipBuild', env: 'GLINT_SKIP_BUILD', kind: 'bool', fallback: false, doc: 'serve the existing dist/' },
  '--data': { key: 'data', env: 'GLINT_DATA', kind: 'path', fallback: '', doc: 'keep the chain, hub and shop in this directory across restarts' },
};

/** Flags issue 8 names that are not built yet: refused with this reason rather than ignored. */
const NOT_BUILT: Readonly<Record<string, string>> = {};

function parseValue(flag: string, spec: FlagSpec, raw: string): number | string | boolean {
  switch (spec.kind) {
    case 'port': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n > 65535) throw new PlaygroundUsageError(flag, `must be a port number 0–65535, got "${raw}"`);
      return n;
    }
    case 'secs': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n > 86_400) throw new PlaygroundUsageError(flag, `must be whole seconds 0–86400, got "${raw}"`);
      return n;
    }
    case 'host':
      if (!/^[A-Za-z0-9.:[\]-]{1,253}$/.test(raw)) throw new PlaygroundUsageError(flag, `must be a host name or IP address, got "${raw}"`);
      return raw;
    case 'bool':
      if (raw === '1' || raw === 'true') return true;
      if (raw === '0' || raw === 'false' || raw === '') return false;
      throw new PlaygroundUsageError(flag, `must be 1/true or 0/false, got "${raw}"`);
    case 'path':
      if (raw.trim() === '' || raw.includes('\0')) throw new PlaygroundUsageError(flag, 'must be a directory path');
      return raw;
  }
}

/** Parse `npm start -- <argv>` with `env` fallbacks. */
export function parsePlaygroundArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): PlaygroundOptions {
  const out: Record<string, unknown> = { help: false };
  for (const spec of Object.values(FLAGS)) {
    const fromEnv = env[spec.env];
    out[spec.key] = fromEnv === undefined || fromEnv === '' ? spec.fallback : parseValue(spec.env, spec, fromEnv);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (NOT_BUILT[flag]) throw new PlaygroundUsageError(flag, NOT_BUILT[flag]);
    const spec = FLAGS[flag];
    if (!spec) throw new PlaygroundUsageError(arg, `unknown flag (see --help)`);
    let raw: string;
    if (eq > 0) raw = arg.slice(eq + 1);
    else if (spec.kind === 'bool') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new PlaygroundUsageError(flag, 'needs a value');
      raw = next;
      i++;
    }
    out[spec.key] = parseValue(flag, spec, raw);
  }
  if (out.data === '') delete out.data;
  return out as unknown as PlaygroundOptions;
}

/** `npm start -- --help`: every flag, its environment variable and its default. */
export function playgroundUsage(): string {
  const rows = Object.entries(FLAGS).map(([flag, s]) => `  ${`${flag}${s.kind === 'bool' ? '' : ' <v>'}`.padEnd(20)} ${s.doc} (env ${s.env}, default ${String(s.fallback) || 'none'})`);
  return `usage: npm start -- [flags]\n${rows.join('\n')}\n`;
}
