/**
 * The build id (pure): the content hash Vite puts in the main chunk's file name
 * (`/assets/index-<hash>.js`), so two deployments of the same version tell apart; `dev` when
 * the module is not served from a hashed chunk (the dev server, tests).
 */
export function buildIdFrom(moduleUrl: string): string {
  let path: string;
  try {
    path = new URL(moduleUrl).pathname;
  } catch {
    return 'dev';
  }
  const m = /-([A-Za-z0-9_-]{6,})\.js$/.exec(path);
  return m?.[1] ?? 'dev';
}
