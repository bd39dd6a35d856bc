/**
 * The web app manifest (vite.config.ts `manifest`) is installable and true to the files it names:
 * the fields Chromium's installability check and the stores need, every icon and screenshot exists
 * in public/ with the PNG dimensions the manifest claims, a maskable icon, screenshots with a
 * narrow and a wide form factor, protocol handlers only for schemes a web app may register, and a
 * GET share target.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../vite.config.ts';

const publicDir = fileURLToPath(new URL('../../public', import.meta.url));

/** Width and height from a PNG's IHDR chunk (PNG spec §11.2.2), after checking the signature. */
function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!b.subarray(0, 8).equals(signature)) throw new Error(`${path}: not a PNG`);
  if (b.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${path}: no IHDR first`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

const file = (src: string): string => `${publicDir}${src}`;

describe('web app manifest', () => {
  it('has the fields an installable app needs', () => {
    expect(manifest).toMatchObject({ name: 'Glint', short_name: 'Glint', start_url: '/', scope: '/', display: 'standalone', id: '/' });
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i);
  });

  it('names icons that exist with the sizes claimed, including 192, 512 and a maskable one', () => {
    for (const icon of manifest.icons) {
      expect(existsSync(file(icon.src)), icon.src).toBe(true);
      if (icon.type !== 'image/png') continue;
      const { width, height } = pngSize(file(icon.src));
      expect(`${width}x${height}`, icon.src).toBe(icon.sizes);
    }
    const png = manifest.icons.filter((i) => i.type === 'image/png');
    expect(png.some((i) => i.sizes === '192x192' && i.purpose === 'any')).toBe(true);
    expect(png.some((i) => i.sizes === '512x512' && i.purpose === 'any')).toBe(true);
    expect(png.some((i) => i.purpose === 'maskable')).toBe(true);
  });

  it('has narrow and wide screenshots whose PNGs match their sizes', () => {
    expect(manifest.screenshots.map((s) => s.form_factor).sort()).toEqual(['narrow', 'wide']);
    for (const s of manifest.screenshots) {
      expect(existsSync(file(s.src)), `${s.src} (run node scripts/make-screenshots.mjs)`).toBe(true);
      const { width, height } = pngSize(file(s.src));
      expect(`${width}x${height}`, s.src).toBe(s.sizes);
      if (s.form_factor === 'narrow') expect(height).toBeGreaterThan(width);
      else expect(width).toBeGreaterThan(height);
      expect(s.label.length).toBeGreaterThan(0);
      // Small enough to ship: an install dialog fetches them.
      expect(readFileSync(file(s.src)).length, s.src).toBeLessThan(300_000);
    }
  });

  it('registers protocol handlers only for bitcoin and web+ schemes, each with %s in a same-origin URL', () => {
    expect(manifest.protocol_handlers.map((h) => h.protocol)).toEqual(['bitcoin', 'web+lightning']);
    for (const h of manifest.protocol_handlers) {
      expect(h.protocol === 'bitcoin' || /^web\+[a-z]+$/.test(h.protocol), h.protocol).toBe(true);
      expect(h.url.startsWith('/'), h.url).toBe(true);
      expect(h.url).toContain('%s');
    }
  });

  it('declares a GET share target with text and url parameters', () => {
    expect(manifest.share_target).toMatchObject({ action: '/', method: 'GET' });
    expect(manifest.share_target.params).toMatchObject({ text: 'text', url: 'url' });
  });
});
