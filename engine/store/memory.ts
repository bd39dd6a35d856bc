/**
 * An in-memory KVStore for tests and ephemeral nodes. Batches are atomic (validated and applied as
 * one step), bytes are copied in and out (a caller mutating its buffer never changes the store),
 * and test hooks let callers exercise the persistence barrier: fail the next write, or hold writes
 * until released to observe what happens before a batch is "durable".
 */
import type { KVBatch, KVStore } from '../ports.ts';
import { checkBatch, checkKey, checkPrefix } from './batch.ts';
import { StoreClosedError } from './errors.ts';

export class MemoryKVStore implements KVStore {
  private readonly data = new Map<string, Uint8Array>();
  private closed = false;
  private failNext: Error | undefined;
  private held: Array<() => void> | undefined;
  /** Number of batches applied so far. */
  writes = 0;

  async get(key: string): Promise<Uint8Array | undefined> {
    this.assertOpen();
    checkKey(key);
    const v = this.data.get(key);
    return v === undefined ? undefined : v.slice();
  }

  async keys(prefix: string): Promise<string[]> {
    this.assertOpen();
    checkPrefix(prefix);
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async write(batch: KVBatch): Promise<void> {
    this.assertOpen();
    checkBatch(batch);
    // Copy now: the caller may reuse its buffers while the write is held.
    const puts = (batch.put ?? []).map(([k, v]) => [k, v.slice()] as const);
    const dels = [...(batch.del ?? [])];
    if (this.held) await new Promise<void>((resolve) => this.held?.push(resolve));
    this.assertOpen();
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    for (const k of dels) this.data.delete(k);
    for (const [k, v] of puts) this.data.set(k, v);
    this.writes++;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Test hook: the next `write` rejects with `err` and changes nothing. */
  failNextWrite(err: Error = new Error('injected write failure')): void {
    this.failNext = err;
  }

  /**
   * Test hook: writes wait (not yet durable) until the returned function is called; then they
   * complete in order. Lets a test check that nothing is sent before its batch is persisted.
   */
  holdWrites(): () => void {
    const held: Array<() => void> = [];
    this.held = held;
    return () => {
      if (this.held === held) this.held = undefined;
      for (const resolve of held) resolve();
    };
  }

  /** Test hook: every stored key and value as they are held (copies), for raw inspection. */
  rawEntries(): Array<[string, Uint8Array]> {
    return [...this.data.entries()].map(([k, v]) => [k, v.slice()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError('the memory store');
  }
}
