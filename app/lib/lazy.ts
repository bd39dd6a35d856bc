/**
 * A screen (or other module) loaded on first use with a dynamic `import()`, so Vite puts it in its
 * own chunk and the JS loaded before home is interactive stays small (issue 9 "Speed",
 * bench bundle-gzip). Every chunk is precached by the service worker, so this works offline.
 * One promise per module; a failed load is forgotten, so the next `get()` (Retry) imports again.
 */
export interface Lazy<T> {
  get(): Promise<T>;
}

export function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let pending: Promise<T> | null = null;
  return {
    get: () =>
      (pending ??= load().catch((err: unknown) => {
        pending = null;
        throw err;
      })),
  };
}
