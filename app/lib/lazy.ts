/**
 * A screen (or other module) loaded on first use with a dynamic `import()`, so Vite puts it in its
 * own chunk and the JS loaded before home is interactive stays small (issue 9 "Speed",
 * bench bundle-gzip). Every chunk is precached by the service worker, so this works offline.
 * One promise per module; a failed load is forgotten, so the next `get()` (Retry) imports again.
 */
export interface Lazy<T> {
  get(): Promise<T>;
  /** The loaded value, or null while nothing has been loaded (it starts no load). */
  peek(): T | null;
}

export function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let pending: Promise<T> | null = null;
  let value: T | null = null;
  return {
    get: () =>
      (pending ??= load().then(
        (v) => (value = v),
        (err: unknown) => {
          pending = null;
          throw err;
        },
      )),
    peek: () => value,
  };
}

/** A lazily loaded component: the module's default export (what LazyScreen.svelte renders). */
export function lazyComponent<C>(load: () => Promise<{ default: C }>): Lazy<C> {
  return lazy(() => load().then((m) => m.default));
}
