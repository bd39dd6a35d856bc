import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { readFileSync } from 'node:fs';

// The PWA: index.html → app/main.ts (Svelte 5, main thread) and workers/node.worker.ts (the node,
// a module worker). The service worker (generateSW) precaches the app shell only; it never caches
// peer, proxy or chain traffic (there is no runtimeCaching on purpose: stale chain data is worse
// than none).

const THEME = '#f5a524';
const BACKGROUND = '#0f1117';
// Settings → About and the support log show it (app/lib/about.ts).
const VERSION = (JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }).version;

export default defineConfig({
  // Only index.html at the root is an entry; public/ is copied verbatim.
  publicDir: 'public',
  define: { 'import.meta.env.GLINT_VERSION': JSON.stringify(VERSION) },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  worker: {
    format: 'es',
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
      manifest: {
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
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,png,svg}'],
        globIgnores: ['**/*.map'],
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
