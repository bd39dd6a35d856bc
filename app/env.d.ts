/** Build-time values vite.config.ts defines (absent under vitest). */
interface ImportMetaEnv {
  readonly GLINT_VERSION?: string;
}
