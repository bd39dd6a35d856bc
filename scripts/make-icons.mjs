#!/usr/bin/env node
// Draws Glint's icons (an amber lightning bolt on a dark rounded square) and writes them to
// public/: PNGs via a tiny rasteriser + zlib (no image libraries), and the same shape as SVG.
// The outputs are committed; run `node scripts/make-icons.mjs` again only to change the artwork.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'public');

// The bolt, in a 0..1 box (y down).
const BOLT = [
  [0.6, 0.08],
  [0.25, 0.56],
  [0.47, 0.56],
  [0.39, 0.92],
  [0.76, 0.42],
  [0.53, 0.42],
  [0.66, 0.08],
];
const BG_TOP = [0x23, 0x27, 0x3a];
const BG_BOTTOM = [0x0f, 0x11, 0x17];
const BOLT_TOP = [0xff, 0xd5, 0x4f];
const BOLT_BOTTOM = [0xf5, 0x8a, 0x0b];

function inPolygon(x, y, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inRoundedRect(x, y, inset, radius) {
  const lo = inset;
  const hi = 1 - inset;
  if (x < lo || x > hi || y < lo || y > hi) return false;
  const cx = Math.min(Math.max(x, lo + radius), hi - radius);
  const cy = Math.min(Math.max(y, lo + radius), hi - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);

/**
 * Render one icon. `maskable`: full-bleed background and the bolt shrunk into the safe zone
 * (the central circle of 80% diameter); otherwise a rounded square with a transparent margin.
 */
function render(size, { maskable }) {
  const px = new Uint8Array(size * size * 4);
  const SS = 4; // 4×4 supersampling for anti-aliased edges
  const boltScale = maskable ? 0.62 : 0.78;
  const boltOffset = (1 - boltScale) / 2;
  const bolt = BOLT.map(([x, y]) => [boltOffset + x * boltScale, boltOffset + y * boltScale]);
  for (let py = 0; py < size; py++) {
    for (let pxl = 0; pxl < size; pxl++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const x = (pxl + (sx + 0.5) / SS) / size;
          const y = (py + (sy + 0.5) / SS) / size;
          let c;
          if (inPolygon(x, y, bolt)) c = mix(BOLT_TOP, BOLT_BOTTOM, (y - 0.1) / 0.8);
          else if (maskable || inRoundedRect(x, y, 0.04, 0.2)) c = mix(BG_TOP, BG_BOTTOM, y);
          if (c) {
            r += c[0];
            g += c[1];
            b += c[2];
            a += 1;
          }
        }
      }
      const o = (py * size + pxl) * 4;
      if (a > 0) {
        px[o] = Math.round(r / a);
        px[o + 1] = Math.round(g / a);
        px[o + 2] = Math.round(b / a);
      }
      px[o + 3] = Math.round((255 * a) / (SS * SS));
    }
  }
  return encodePng(size, size, px);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function svg({ maskable }) {
  const s = maskable ? 0.62 : 0.78;
  const off = (1 - s) / 2;
  const pts = BOLT.map(([x, y]) => `${((off + x * s) * 512).toFixed(1)},${((off + y * s) * 512).toFixed(1)}`).join(' ');
  const hex = (c) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
  const bg = maskable
    ? '<rect width="512" height="512" fill="url(#bg)"/>'
    : '<rect x="20.5" y="20.5" width="471" height="471" rx="102" fill="url(#bg)"/>';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
<defs>
<linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hex(BG_TOP)}"/><stop offset="1" stop-color="${hex(BG_BOTTOM)}"/></linearGradient>
<linearGradient id="bolt" x1="0" y1="0.1" x2="0" y2="0.9"><stop offset="0" stop-color="${hex(BOLT_TOP)}"/><stop offset="1" stop-color="${hex(BOLT_BOTTOM)}"/></linearGradient>
</defs>
${bg}
<polygon points="${pts}" fill="url(#bolt)"/>
</svg>
`;
}

function write(rel, data) {
  const path = join(out, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  console.log(`wrote public/${rel} (${data.length} bytes)`);
}

write('icons/icon-192.png', render(192, { maskable: false }));
write('icons/icon-512.png', render(512, { maskable: false }));
write('icons/maskable-512.png', render(512, { maskable: true }));
write('icons/apple-touch-icon.png', render(180, { maskable: true }));
write('icons/icon.svg', svg({ maskable: false }));
write('favicon.svg', svg({ maskable: false }));
