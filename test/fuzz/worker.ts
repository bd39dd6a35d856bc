/**
 * One fuzz target in a worker thread (started by main.ts). Before each input it copies the input
 * into shared memory, so the main thread's watchdog can report the exact input if the target
 * never returns (an infinite loop cannot be timed from inside).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { renderInput, runTarget } from './runner.ts';
import { targetNamed } from './targets.ts';
import { SHARED_HEADER, type WorkerJob } from './worker-job.ts';

const job = workerData as WorkerJob;
const target = targetNamed(job.target);
if (!target || !parentPort) throw new Error(`no fuzz target "${job.target}"`);
const header = new Int32Array(job.shared, 0, 4);
const data = new Uint8Array(job.shared, SHARED_HEADER);
const port = parentPort;
const encoder = new TextEncoder();

const result = runTarget(target, {
  iterations: job.iterations,
  seed: job.seed,
  budgetMs: job.budgetMs,
  onInput: (i, input) => {
    // Bytes are copied as they are (rendering hex for every input would halve the rate); text goes
    // through TextEncoder, not the store's strict encoder: fuzz strings hold lone surrogates.
    if (input instanceof Uint8Array) {
      const n = Math.min(input.length, data.length);
      data.set(input.subarray(0, n));
      Atomics.store(header, 1, n);
      Atomics.store(header, 2, 0);
    } else {
      const { written } = encoder.encodeInto(typeof input === 'string' ? input : renderInput(input), data);
      Atomics.store(header, 1, written);
      Atomics.store(header, 2, 1);
    }
    Atomics.store(header, 0, i);
  },
  shouldStop: () => Atomics.load(header, 3) === 1,
  progressEvery: 50_000,
  onProgress: (done, found) => port.postMessage({ type: 'progress', done, found }),
});
port.postMessage({ type: 'done', result });
