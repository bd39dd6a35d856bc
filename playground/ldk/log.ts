/**
 * A bounded buffer of LDK log lines that tests can wait on.
 *
 * Lines arrive from LDK's Logger callback, i.e. inside LDK calls, so nothing here calls LDK.
 */
import type { Record as LdkRecord } from 'lightningdevkit';
import type { Ldk } from './wasm.ts';

interface LogWaiter {
  readonly pattern: RegExp;
  readonly settle: (line?: string, error?: Error) => void;
}

export class LogBuffer {
  /** Recent lines, oldest first: `LEVEL module: text`. */
  readonly lines: string[] = [];
  private readonly maxLines: number;
  private readonly echo: ((line: string) => void) | undefined;
  private readonly waiters = new Set<LogWaiter>();

  constructor(maxLines: number, echo?: (line: string) => void) {
    this.maxLines = maxLines;
    this.echo = echo;
  }

  /** Format one LDK record and add it. */
  addRecord(ldk: Ldk, record: LdkRecord): void {
    const level = (ldk.Level[record.get_level()] ?? String(record.get_level())).replace(/^LDKLevel_/, '').toUpperCase();
    this.add(`${level} ${record.get_module_path()}: ${record.get_args()}`);
  }

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    this.echo?.(line);
    for (const waiter of [...this.waiters]) if (waiter.pattern.test(line)) waiter.settle(line);
  }

  /** The last `count` lines, for error messages. */
  tail(count: number): string {
    return this.lines.slice(-count).join('\n');
  }

  /**
   * Resolve with the first retained or future line matching `pattern`; reject after `timeoutMs`.
   * Give a non-global RegExp (a global one keeps state between `test` calls).
   */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => waiter.settle(undefined, new Error(`no LDK log line matching ${pattern} within ${timeoutMs} ms; last lines:\n${this.tail(15)}`)),
        timeoutMs,
      );
      const waiter: LogWaiter = {
        pattern,
        settle: (line, error) => {
          if (!this.waiters.delete(waiter)) return;
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(line!);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Reject every pending wait (the node stopped or failed). */
  abortWaits(error: Error): void {
    for (const waiter of [...this.waiters]) waiter.settle(undefined, error);
  }
}
