/**
 * Pictures of QR codes for the scanner's e2e test, drawn from our own encoder (app/lib/qr.ts):
 * a grayscale raster (dark modules black, a white quiet zone), a YUV4MPEG2 video of it for
 * Chromium's fake camera (`--use-file-for-fake-video-capture`), and a PNG of it for the image-file
 * path. No dependencies: the PNG is written by hand (PNG spec: IHDR/IDAT/IEND chunks with CRC-32,
 * zlib-deflated scanlines with filter 0).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { encodeQr } from '../../app/lib/qr.ts';

export interface Gray {
  readonly width: number;
  readonly height: number;
  /** One byte a pixel, 0 black … 255 white. */
  readonly data: Uint8Array;
}

/** `text` as a QR code centred in a white `width` × `height` picture, modules as large as fit. */
export function qrGray(text: string | null, width: number, height: number): Gray {
  const data = new Uint8Array(width * height).fill(255);
  if (text === null) return { width, height, data };
  const qr = encodeQr(text, { mode: 'auto' });
  const modules = qr.size + 8; // a 4-module quiet zone each side
  const scale = Math.floor(Math.min(width, height) / modules);
  if (scale < 2) throw new Error(`a ${qr.size}-module QR code does not fit ${width}×${height} at 2 px a module`);
  const left = Math.floor((width - qr.size * scale) / 2);
  const top = Math.floor((height - qr.size * scale) / 2);
  for (let y = 0; y < qr.size * scale; y++) {
    for (let x = 0; x < qr.size * scale; x++) {
      if (qr.modules[Math.floor(y / scale)]![Math.floor(x / scale)]) data[(top + y) * width + left + x] = 0;
    }
  }
  return { width, height, data };
}

/**
 * A Y4M file (YUV4MPEG2, 4:2:0, 10 fps) showing `img` for `frames` frames: Y = the picture, U and
 * V = 128 (no colour). Written to a temporary name and renamed, so a capture that has the old file
 * open keeps reading the old one and the next capture opens the new one whole.
 */
export function writeY4m(path: string, img: Gray, frames = 5): void {
  const header = Buffer.from(`YUV4MPEG2 W${img.width} H${img.height} F10:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const chroma = Buffer.alloc((img.width / 2) * (img.height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n', 'ascii'), Buffer.from(img.data), chroma]);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
  renameSync(tmp, path);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

/** `img` as an 8-bit grayscale PNG. */
export function grayPng(img: Gray): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  const rows = Buffer.alloc((img.width + 1) * img.height);
  for (let y = 0; y < img.height; y++) Buffer.from(img.data.buffer, img.data.byteOffset + y * img.width, img.width).copy(rows, y * (img.width + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
