/**
 * The scanner's detector choice and decode loop (app/lib/qr-detector.ts): the native
 * BarcodeDetector path with a stub of the Shape Detection API, the jsQR path reading a QR code
 * drawn from our own encoder (app/lib/qr.ts) into an RGBA buffer, and the loop's rules (one
 * detection at a time, at most one per interval, a repeated text offered once, stop on take or
 * on stop()) on a hand-driven scheduler and clock.
 */
import { describe, expect, it } from 'vitest';
import jsQR from 'jsqr';
import vectors from '../vectors/bolt11-invoices.json' with { type: 'json' };
import { encodeQr } from '../../app/lib/qr.ts';
import { chooseDetector, jsQrDetector, runDecodeLoop, type BarcodeDetectorClass, type Frame, type JsQr, type Pixels, type QrDetector } from '../../app/lib/qr-detector.ts';

const jsQr = jsQR as unknown as JsQr;
/** A spec invoice (BOLT 11 vectors) as wallets put it in a QR code: upper case behind `lightning:`. */
const INVOICE = `LIGHTNING:${vectors.valid[1]!.invoice.toUpperCase()}`;

/** A QR code as RGBA pixels: dark modules black, a white quiet zone of `margin` modules. */
function qrPixels(text: string, scale = 4, margin = 4, invert = false): Pixels {
  const qr = encodeQr(text, { mode: 'auto' });
  const side = (qr.size + 2 * margin) * scale;
  const data = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - margin;
      const my = Math.floor(y / scale) - margin;
      const dark = mx >= 0 && my >= 0 && mx < qr.size && my < qr.size && qr.modules[my]![mx]!;
      const v = dark !== invert ? 0 : 255;
      const i = (y * side + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = v;
      data[i + 3] = 255;
    }
  }
  return { data, width: side, height: side };
}

const frameOf = (px: Pixels | null, source: unknown = 'video'): Frame => ({ source, pixels: () => px });

/** A stub of the Shape Detection API's BarcodeDetector that "sees" what each source holds. */
function stubDetector(formats: string[] | Error, seen: Map<unknown, string>): { Class: BarcodeDetectorClass; made: { formats: string[] }[] } {
  const made: { formats: string[] }[] = [];
  class Stub {
    constructor(options: { formats: string[] }) {
      made.push(options);
    }
    static async getSupportedFormats(): Promise<string[]> {
      if (formats instanceof Error) throw formats;
      return formats;
    }
    async detect(source: unknown): Promise<{ rawValue: string; format: string }[]> {
      const text = seen.get(source);
      return text === undefined ? [] : [{ rawValue: text, format: 'qr_code' }];
    }
  }
  return { Class: Stub as unknown as BarcodeDetectorClass, made };
}

const noJsQr = async (): Promise<JsQr> => {
  throw new Error('jsQR must not be loaded when the native detector reads QR codes');
};

describe('detector choice: BarcodeDetector when it reads qr_code, else jsQR', () => {
  it('uses the native detector (asked for qr_code only) and never loads jsQR', async () => {
    const video = { kind: 'video element' };
    const { Class, made } = stubDetector(['ean_13', 'qr_code'], new Map([[video, INVOICE]]));
    const d = await chooseDetector({ BarcodeDetector: Class, loadJsQr: noJsQr });
    expect(d.kind).toBe('native');
    expect(made).toEqual([{ formats: ['qr_code'] }]);
    // The native path reads the source itself: the frame's pixels are never drawn.
    const frame: Frame = {
      source: video,
      pixels: () => {
        throw new Error('pixels() called on the native path');
      },
    };
    expect(await d.detect(frame)).toBe(INVOICE);
    expect(await d.detect({ source: { kind: 'empty frame' }, pixels: () => null })).toBeNull();
  });
  it('falls back to jsQR when BarcodeDetector is absent, lacks qr_code, or getSupportedFormats throws', async () => {
    let loads = 0;
    const loadJsQr = async (): Promise<JsQr> => {
      loads++;
      return jsQr;
    };
    expect((await chooseDetector({ BarcodeDetector: undefined, loadJsQr })).kind).toBe('jsqr');
    expect((await chooseDetector({ BarcodeDetector: stubDetector(['ean_13'], new Map()).Class, loadJsQr })).kind).toBe('jsqr');
    expect((await chooseDetector({ BarcodeDetector: stubDetector(new Error('not allowed'), new Map()).Class, loadJsQr })).kind).toBe('jsqr');
    expect(loads).toBe(3);
  });
  it('a native detector that throws on detect is an error for the loop, not a crash', async () => {
    class Broken {
      static async getSupportedFormats(): Promise<string[]> {
        return ['qr_code'];
      }
      async detect(): Promise<never> {
        throw new Error('frame not decodable');
      }
    }
    const d = await chooseDetector({ BarcodeDetector: Broken as unknown as BarcodeDetectorClass, loadJsQr: noJsQr });
    await expect(d.detect(frameOf(null))).rejects.toThrow('frame not decodable');
  });
});

describe('the jsQR path reads codes drawn by our own encoder', () => {
  const d = jsQrDetector(jsQr);
  it('an upper-case lightning: invoice (alphanumeric mode, a large version)', async () => {
    expect(encodeQr(INVOICE, { mode: 'auto' }).mode).toBe('alphanumeric');
    expect(await d.detect(frameOf(qrPixels(INVOICE)))).toBe(INVOICE);
  });
  it('a byte-mode BIP 21 URI, and a light-on-dark (inverted) code', async () => {
    const uri = 'bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080?amount=0.00025&label=Shop';
    expect(await d.detect(frameOf(qrPixels(uri, 3)))).toBe(uri);
    expect(await d.detect(frameOf(qrPixels(uri, 3, 4, true)))).toBe(uri);
  });
  it('finds nothing in a blank picture, and refuses missing or short pixel buffers', async () => {
    expect(await d.detect(frameOf({ data: new Uint8ClampedArray(64 * 64 * 4).fill(255), width: 64, height: 64 }))).toBeNull();
    expect(await d.detect(frameOf(null))).toBeNull();
    expect(await d.detect(frameOf({ data: new Uint8ClampedArray(10), width: 64, height: 64 }))).toBeNull();
  });
});

/** A scheduler the test drives by hand, and a clock it sets. */
function harness(results: (string | null | Error)[]) {
  const queue: (() => void)[] = [];
  let clock = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  const detector: QrDetector = {
    kind: 'jsqr',
    async detect() {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      calls++;
      await Promise.resolve();
      inFlight--;
      const r = results.shift() ?? null;
      if (r instanceof Error) throw r;
      return r;
    },
  };
  return {
    detector,
    schedule: (cb: () => void) => {
      queue.push(cb);
      return () => {
        const i = queue.indexOf(cb);
        if (i >= 0) queue.splice(i, 1);
      };
    },
    now: () => clock,
    advance(ms: number) {
      clock += ms;
    },
    /** Run the scheduled callbacks once, letting their detections settle. */
    async step() {
      const due = queue.splice(0);
      for (const cb of due) cb();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
    get pending() {
      return queue.length;
    },
    get calls() {
      return calls;
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

describe('the decode loop', () => {
  it('detects at most once per interval, one at a time, and stops when a code is taken', async () => {
    const h = harness([null, 'garbage', INVOICE]);
    const offered: string[] = [];
    runDecodeLoop({ detector: h.detector, frame: () => frameOf(null), schedule: h.schedule, now: h.now, intervalMs: 100, onText: (t) => (offered.push(t), t === INVOICE) });
    await h.step(); // t=0: detect → null
    expect(h.calls).toBe(1);
    h.advance(40);
    await h.step(); // t=40: too soon, no detection
    expect(h.calls).toBe(1);
    h.advance(60);
    await h.step(); // t=100: detect → 'garbage', refused
    h.advance(100);
    await h.step(); // t=200: detect → the invoice, taken
    expect(offered).toEqual(['garbage', INVOICE]);
    expect(h.pending).toBe(0);
    h.advance(100);
    await h.step();
    expect(h.calls).toBe(3);
    expect(h.maxInFlight).toBe(1);
  });
  it('offers a text read on consecutive frames once', async () => {
    const h = harness(['garbage', 'garbage', 'garbage']);
    const offered: string[] = [];
    runDecodeLoop({ detector: h.detector, frame: () => frameOf(null), schedule: h.schedule, now: h.now, intervalMs: 0, onText: (t) => (offered.push(t), false) });
    for (let i = 0; i < 3; i++) await h.step();
    expect(h.calls).toBe(3);
    expect(offered).toEqual(['garbage']);
  });
  it('waits while there is no frame yet, and reports a failing detector once while going on', async () => {
    const h = harness([new Error('decoder busy'), new Error('decoder busy'), INVOICE]);
    let ready = false;
    const errors: unknown[] = [];
    let taken = '';
    runDecodeLoop({
      detector: h.detector,
      frame: () => (ready ? frameOf(null) : null),
      schedule: h.schedule,
      now: h.now,
      intervalMs: 0,
      onText: (t) => ((taken = t), true),
      onError: (e) => errors.push(e),
    });
    await h.step();
    expect(h.calls).toBe(0);
    ready = true;
    for (let i = 0; i < 3; i++) await h.step();
    expect(errors).toHaveLength(1);
    expect(taken).toBe(INVOICE);
  });
  it('stop() cancels the scheduled frame and drops a detection already under way', async () => {
    const h = harness([INVOICE]);
    const offered: string[] = [];
    const loop = runDecodeLoop({ detector: h.detector, frame: () => frameOf(null), schedule: h.schedule, now: h.now, intervalMs: 0, onText: (t) => (offered.push(t), true) });
    expect(h.pending).toBe(1);
    loop.stop();
    expect(h.pending).toBe(0);
    const h2 = harness([INVOICE]);
    const loop2 = runDecodeLoop({ detector: h2.detector, frame: () => frameOf(null), schedule: h2.schedule, now: h2.now, intervalMs: 0, onText: (t) => (offered.push(t), true) });
    const step = h2.step();
    loop2.stop(); // while the detection is awaiting
    await step;
    expect(h2.calls).toBe(1);
    expect(offered).toEqual([]);
    expect(h2.pending).toBe(0);
  });
});
