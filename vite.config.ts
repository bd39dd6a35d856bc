import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA, type ManifestOptions } from 'vite-plugin-pwa';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The PWA: index.html → app/main.ts (Svelte 5, main thread) and workers/node.worker.ts (the node,
// a module worker). The service worker (generateSW) precaches the app shell only; it never caches
// peer, proxy or chain traffic (there is no runtimeCaching on purpose: stale chain data is worse
// than none).

const THEME = '#f5a524';
const BACKGROUND = '#0f1117';
// Settings → About and the support log show it (app/lib/about.ts).
const VERSION = (JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The web app manifest (exported for test/unit/pwa-manifest.test.ts, which checks it against the
 * files in public/). Install dialogs show the screenshots; `protocol_handlers` and `share_target`
 * hand a payment to app/lib/launch-payment.ts.
 */
export const manifest = {
  id: '/',
  name: 'Glint',
  short_name: 'Glint',
  description: 'A self-custodial Lightning node that lives in your browser.',
  lang: 'en',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  orientation: 'any',
  theme_color: THEME,
  background_color: BACKGROUND,
  categories: ['finance', 'utilities'],
  icons: [
    { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
    { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
    { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
  ],
  // Made from the real app by scripts/make-screenshots.mjs (install dialogs show them).
  screenshots: [
    { src: '/screenshots/narrow.png', sizes: '390x844', type: 'image/png', form_factor: 'narrow', label: 'Glint on a phone: balance and activity' },
    { src: '/screenshots/wide.png', sizes: '1280x800', type: 'image/png', form_factor: 'wide', label: 'Glint on a desktop: balance and activity' },
  ],
  // `bitcoin:` is on the HTML safelist of registrable schemes; `lightning:` is not, so
  // Lightning links use `web+lightning:`. %s is the whole URI; app/lib/launch-payment.ts reads it.
  protocol_handlers: [
    { protocol: 'bitcoin', url: '/?uri=%s' },
    { protocol: 'web+lightning', url: '/?uri=%s' },
  ],
  // Web Share Target (GET): sharing an invoice or address to Glint opens Send with it.
  share_target: {
    action: '/',
    method: 'GET',
    params: { title: 'title', text: 'text', url: 'url' },
  },
} satisfies Partial<ManifestOptions>;

/**
 * bitcoinjs-lib 7 and bs58check 4 depend on @noble/hashes ^1 and import its 1.x sub-paths, which
 * would bundle two more copies of the hashes (toolchain pitfall 9). In 1.8 those sub-paths are
 * deprecated re-exports of the same functions 2.x has in sha2.js / legacy.js (bitcoinjs-lib and
 * bs58check hash only bytes), so they resolve to the one 2.x copy the engine uses (bundle-gzip).
 * Only these bare 1.x paths match; the engine's own imports end in `.js`.
 */
const nobleHashes1x = (name: string, target: string) => ({
  find: new RegExp(`^@noble/hashes/${name}$`),
  replacement: fileURLToPath(new URL(`./node_modules/@noble/hashes/${target}`, import.meta.url)),
});

/** Modules whose import runs no code that matters (see worker.rolldownOptions). */
const PURE_MODULES = /node_modules\/(bitcoinjs-lib|bip174|bech32|base-x|bs58check|bs58|valibot|uint8array-tools|varuint-bitcoin)\/|\/engine\//;
/** The one engine/ module that does: it configures noble's hashes when imported. */
const hasImportSideEffects = (id: string): boolean => id.endsWith('/engine/crypto/secp256k1.ts') || !PURE_MODULES.test(id);

export default defineConfig({
  // Only index.html at the root is an entry; public/ is copied verbatim.
  publicDir: 'public',
  resolve: {
    alias: [nobleHashes1x('sha256', 'sha2.js'), nobleHashes1x('ripemd160', 'legacy.js'), nobleHashes1x('sha1', 'legacy.js')],
  },
  define: { 'import.meta.env.GLINT_VERSION': JSON.stringify(VERSION) },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // dist/.vite/manifest.json: which chunks the entry loads, for scripts/bundle-report.mjs.
    manifest: true,
  },
  worker: {
    format: 'es',
    // bitcoinjs-lib and its dependencies declare no `sideEffects`, so every module its index
    // re-exports (address, payments, Psbt → bip174, bech32, bs58check) would stay in the worker for
    // its top-level constants although the engine uses only Transaction and script. They are pure
    // libraries (initEccLib, the one global setter, is a function the engine never calls). So is
    // engine/ (DESIGN rule 1) but for the one module that configures noble at import time: without
    // this, what engine/index.ts re-exports stays in the worker (store/schema.ts's table), and the
    // Send screen's parser (a lazy chunk, workers/invoice-codec.ts) would too.
    rolldownOptions: { treeshake: { moduleSideEffects: hasImportSideEffects } },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  plugins: [
    svelte(),
    VitePWA({
      strategies: 'generateSW',
      // A Lightning node must not be reloaded under the user's feet: the UI offers the update.
      registerType: 'prompt',
      // app/main.ts registers through `virtual:pwa-register`; inject no second registration.
      injectRegister: false,
      // Precache = the glob below over dist/ (page + worker chunks, CSS, HTML, every icon in
      // public/) plus the manifest, which the plugin always adds itself. Listing anything twice
      // (includeAssets, includeManifestIcons, a webmanifest glob) duplicates precache entries
      // (toolchain pitfall 8), so icons come only from the glob and the manifest only from the plugin.
      includeManifestIcons: false,
      manifestFilename: 'manifest.webmanifest',
      manifest,
      workbox: {
        globPatterns: ['**/*.{js,css,html,png,svg}'],
        // The manifest screenshots are for install dialogs, fetched online: not worth precaching.
        globIgnores: ['**/*.map', 'screenshots/**'],
        navigateFallback: '/index.html',
        cleanupOutdatedCaches: true,
        clientsClaim: false,
        skipWaiting: false,
        runtimeCaching: [],
      },
      devOptions: { enabled: false },
    }),
  ],
});
