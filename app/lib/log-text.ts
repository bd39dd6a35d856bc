/**
 * The node's log as support text (pure): the level filter, the redaction safety net and the
 * plain-text export behind the log view's "Copy all" and "Download".
 *
 * What an entry holds: a line from the engine's Logger (workers/adapters/logger.ts), `info` and
 * above, rendered as `message key=value …`. The engine logs no keys, seeds, preimages or
 * passphrases; node ids, txids, channel ids and peer addresses do appear (they are public or
 * the user's own and are what support needs). Should a field with a secret-sounding name ever
 * be logged, its value is replaced before the text is shown, copied or saved (DESIGN rule 6).
 */
import type { LogLevel } from '../../workers/rpc/protocol.ts';

export interface LogLine {
  level: LogLevel;
  message: string;
  /** ms since the epoch */
  at: number;
}

/** The filter choices: a level shows itself and everything more severe. */
export type LevelFilter = 'all' | 'info' | 'warn' | 'error';
export const LEVEL_FILTERS: readonly LevelFilter[] = ['all', 'info', 'warn', 'error'];

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function filterLog<T extends LogLine>(entries: readonly T[], level: LevelFilter): T[] {
  if (level === 'all') return [...entries];
  const min = RANK[level];
  return entries.filter((e) => RANK[e.level] >= min);
}

/** Field names whose values are never shown: `preimage=…`, `secret=…`, `seed=…`, `mnemonic=…`, … */
const SECRET_FIELD = /\b([\w.-]*(?:preimage|secret|seed|mnemonic|passphrase|password|privkey|private_?key|xprv)[\w.-]*)=("[^"]*"|\S+)/gi;

/** Replace the value of any secret-named `key=value` field with `[redacted]`. */
export function redactSecrets(message: string): string {
  return message.replace(SECRET_FIELD, (_m, key: string) => `${key}=[redacted]`);
}

/** One line of the export: `2026-12-03T05:40:01.123Z WARN  message`. */
export function formatLogLine(e: LogLine): string {
  const when = Number.isFinite(e.at) ? new Date(e.at).toISOString() : String(e.at);
  return `${when} ${e.level.toUpperCase().padEnd(5)} ${redactSecrets(e.message)}`;
}

export interface LogHeader {
  version: string;
  build: string;
  network: string | null;
  nodeId: string | null;
  userAgent: string | null;
  /** When the text was made (ms since the epoch). */
  now: number;
}

/** The whole export: a short header (what a supporter asks first), then the lines oldest first. */
export function logText(entries: readonly LogLine[], header: LogHeader, level: LevelFilter = 'all'): string {
  const lines = filterLog(entries, level).map(formatLogLine);
  const head = [
    `Glint ${header.version} (build ${header.build})`,
    `network: ${header.network ?? 'unknown'}`,
    `node id: ${header.nodeId ?? 'none'}`,
    ...(header.userAgent ? [`browser: ${header.userAgent}`] : []),
    `exported: ${new Date(header.now).toISOString()}`,
    `entries: ${lines.length}${level === 'all' ? '' : ` (${level} and above)`}`,
    '',
  ];
  return `${[...head, ...lines].join('\n')}\n`;
}

/** `glint-log-2026-12-03T05-40-01Z.txt` */
export function logFileName(now: number): string {
  return `glint-log-${new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-')}.txt`;
}
