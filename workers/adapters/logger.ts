/**
 * The engine's Logger in the worker: every line goes to the console; `info` and above are also
 * forwarded to the UI as `log` events (a short activity feed, never secrets: the engine does not
 * log keys, and fields are rendered as short key=value text).
 */
import type { LogLevel, Logger } from '../../engine/index.ts';

export type LogSink = (level: LogLevel, message: string) => void;

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function renderFields(fields: Readonly<Record<string, unknown>> | undefined): string {
  if (!fields) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    let text: string;
    if (typeof v === 'string') text = v;
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') text = String(v);
    else if (v instanceof Error) text = v.message;
    else if (v === null || v === undefined) text = String(v);
    else {
      try {
        text = JSON.stringify(v);
      } catch {
        text = Object.prototype.toString.call(v);
      }
    }
    parts.push(`${k}=${text.length > 120 ? `${text.slice(0, 117)}...` : text}`);
  }
  return parts.length ? ` ${parts.join(' ')}` : '';
}

export function workerLogger(sink: LogSink, forwardFrom: LogLevel = 'info'): Logger {
  return {
    log(level, message, fields) {
      const line = `${message}${renderFields(fields)}`;
      const method = level === 'debug' ? 'debug' : level === 'info' ? 'info' : level === 'warn' ? 'warn' : 'error';
      console[method](`[glint] ${line}`);
      if (RANK[level] >= RANK[forwardFrom]) sink(level, line.slice(0, 2000));
    },
  };
}
