// Structured logs: one JSON object per line (stderr by default).
//
// Fields used: ts, level, event, id (connection number), ip, dest, bytesUp (client -> peer),
// bytesDown (peer -> client), durationMs, code (WebSocket close code), reason.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface LogRecord {
  readonly ts: string;
  readonly level: Exclude<LogLevel, 'silent'>;
  readonly event: string;
  readonly [field: string]: unknown;
}

export type LogSink = (record: LogRecord) => void;

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export const stderrSink: LogSink = (record) => {
  process.stderr.write(`${JSON.stringify(record)}\n`);
};

export function createLogger(level: LogLevel, sink: LogSink = stderrSink): Logger {
  const at = (l: Exclude<LogLevel, 'silent'>) => (event: string, fields: Record<string, unknown> = {}) => {
    if (RANK[l] < RANK[level]) return;
    try {
      sink({ ts: new Date().toISOString(), level: l, event, ...fields });
    } catch {
      // A broken log sink must not take the proxy down.
    }
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
