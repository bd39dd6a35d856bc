/**
 * Page side of the store e2e harness (test-only; built by harness.vite.mjs, never by the app).
 * Starts the harness worker and exposes `globalThis.storeHarness.run(request)` for Playwright's
 * page.evaluate. Written against structural types: tsconfig.node.json checks test/ without DOM.
 */
import type { HarnessRequest, HarnessResponse } from './harness.worker.ts';

interface WorkerLike {
  postMessage(message: unknown): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: { message?: string }) => void) | null;
}

// The global Worker, typed structurally. Vite bundles the worker only for this literal
// `new Worker(new URL(..., import.meta.url))` form.
declare const Worker: new (url: URL, options: { type: 'module'; name?: string }) => WorkerLike;

const g = globalThis as unknown as { storeHarness?: { run(req: HarnessRequest): Promise<HarnessResponse>; ready: true } };

const worker = new Worker(new URL('./harness.worker.ts', import.meta.url), { type: 'module', name: 'store-harness' });
let next = 0;
const pending = new Map<number, (r: HarnessResponse) => void>();
worker.onmessage = (ev) => {
  const { id, response } = ev.data as { id: number; response: HarnessResponse };
  pending.get(id)?.(response);
  pending.delete(id);
};
worker.onerror = (ev) => {
  for (const resolve of pending.values()) resolve({ ok: false, error: { name: 'WorkerError', message: ev.message ?? 'worker error' } });
  pending.clear();
};

g.storeHarness = {
  ready: true,
  run(request) {
    const id = ++next;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      worker.postMessage({ id, request });
    });
  },
};
