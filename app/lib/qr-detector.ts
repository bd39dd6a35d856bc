/**
 * Finding a QR code in a picture (a camera frame or an image file), and the decode loop that
 * runs it over camera frames. Pure and injectable: the browser's pieces (the Shape Detection
 * API's `BarcodeDetector`, the lazily loaded jsQR decoder, the frame scheduler) come in as
 * arguments, so the choice of detector and the loop are unit-tested with stubs.
 *
 *   - Native: `BarcodeDetector` (WICG Shape Detection API) when the browser has it and
 *     `getSupportedFormats()` lists `qr_code` (Chrome on Android and macOS; not Linux Chromium).
 *   - Otherwise jsQR (npm `jsqr`, pure JS, ISO/IEC 18004 decoder) on the frame's RGBA pixels; it is
 *     loaded with a dynamic `import()` only when the scanner opens, so it is not in the first load.
 */

/** RGBA pixels, as `CanvasRenderingContext2D.getImageData` returns them. */
export interface Pixels {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/**
 * One picture to look at: `source` is what a native detector reads (a video element, canvas or
 * ImageBitmap); `pixels()` draws it to RGBA for the JS decoder, only when that one is used.
 */
export interface Frame {
  readonly source: unknown;
  pixels(): Pixels | null;
}

export interface QrDetector {
  readonly kind: 'native' | 'jsqr';
  /** The text of the first QR code found, or null when there is none. */
  detect(frame: Frame): Promise<string | null>;
}

/** The part of the Shape Detection API this uses. */
export interface BarcodeDetectorLike {
  detect(source: never): Promise<readonly { readonly rawValue: string }[]>;
}
export interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats?(): Promise<readonly string[]>;
}

/** jsQR's entry point (npm `jsqr` 1.4 default export). */
export type JsQr = (data: Uint8ClampedArray, width: number, height: number, options?: { inversionAttempts?: 'dontInvert' | 'onlyInvert' | 'attemptBoth' | 'invertFirst' }) => { data: string } | null;

export interface DetectorEnv {
  /** `globalThis.BarcodeDetector` when present. */
  readonly BarcodeDetector?: BarcodeDetectorClass | undefined;
  /** Loads jsQR (a dynamic import in the app). */
  readonly loadJsQr: () => Promise<JsQr>;
}

/** The app's environment: the browser's BarcodeDetector if any, jsQR loaded on first use. */
export function browserDetectorEnv(): DetectorEnv {
  const g = globalThis as { BarcodeDetector?: BarcodeDetectorClass };
  return {
    BarcodeDetector: 'BarcodeDetector' in globalThis ? g.BarcodeDetector : undefined,
    loadJsQr: async () => (await import('jsqr')).default as unknown as JsQr,
  };
}

/** The native detector when it reads QR codes; null otherwise (absent, no qr_code, or it throws). */
async function nativeDetector(Detector: BarcodeDetectorClass | undefined): Promise<QrDetector | null> {
  if (typeof Detector !== 'function') return null;
  try {
    const formats = typeof Detector.getSupportedFormats === 'function' ? await Detector.getSupportedFormats() : [];
    if (!formats.includes('qr_code')) return null;
    const detector = new Detector({ formats: ['qr_code'] });
    return {
      kind: 'native',
      async detect(frame) {
        const found = await detector.detect(frame.source as never);
        const first = found.find((b) => typeof b.rawValue === 'string' && b.rawValue !== '');
        return first ? first.rawValue : null;
      },
    };
  } catch {
    return null;
  }
}

/** jsQR over RGBA pixels: both dark-on-light and light-on-dark codes (some screens invert). */
export function jsQrDetector(jsQr: JsQr): QrDetector {
  return {
    kind: 'jsqr',
    async detect(frame) {
      const px = frame.pixels();
      if (!px || px.width <= 0 || px.height <= 0 || px.data.length < px.width * px.height * 4) return null;
      const found = jsQr(px.data, px.width, px.height, { inversionAttempts: 'attemptBoth' });
      return found && found.data !== '' ? found.data : null;
    },
  };
}

/** The native BarcodeDetector when it supports `qr_code`, else jsQR (loaded now). */
export async function chooseDetector(env: DetectorEnv): Promise<QrDetector> {
  return (await nativeDetector(env.BarcodeDetector)) ?? jsQrDetector(await env.loadJsQr());
}

/** Schedules `cb` for the next frame (requestVideoFrameCallback or requestAnimationFrame); returns a cancel. */
export type Schedule = (cb: () => void) => () => void;

export interface DecodeLoopOptions {
  readonly detector: QrDetector;
  /** The current frame, or null when there is none yet (the video has no data). */
  readonly frame: () => Frame | null;
  readonly schedule: Schedule;
  /** Milliseconds now (performance.now in the app). */
  readonly now: () => number;
  /** At most one detection per this many ms (a modest rate keeps the phone cool). */
  readonly intervalMs: number;
  /** A code was read: return true to stop the loop (taken), false to keep scanning. */
  readonly onText: (text: string) => boolean;
  /** A detector failure (reported once per distinct message; the loop goes on). */
  readonly onError?: (err: unknown) => void;
}

/**
 * Look at camera frames until a code is taken or `stop()` is called. Detections never overlap
 * (the next is scheduled after the previous settles), run at most once per `intervalMs`, and the
 * same text read twice in a row is offered once (a refused code is not re-reported every frame).
 */
export function runDecodeLoop(opts: DecodeLoopOptions): { stop(): void } {
  let stopped = false;
  let cancel: (() => void) | null = null;
  let last = -Infinity;
  let lastText: string | null = null;
  let lastError: string | null = null;

  const tick = async (): Promise<void> => {
    cancel = null;
    if (stopped) return;
    const t = opts.now();
    const frame = t - last >= opts.intervalMs ? opts.frame() : null;
    if (frame) {
      last = t;
      try {
        const text = await opts.detector.detect(frame);
        if (stopped) return;
        if (text !== null && text !== lastText) {
          lastText = text;
          if (opts.onText(text)) {
            stopped = true;
            return;
          }
        }
      } catch (err) {
        if (stopped) return;
        const message = err instanceof Error ? err.message : String(err);
        if (message !== lastError) {
          lastError = message;
          opts.onError?.(err);
        }
      }
    }
    if (!stopped) cancel = opts.schedule(() => void tick());
  };
  cancel = opts.schedule(() => void tick());
  return {
    stop() {
      stopped = true;
      cancel?.();
      cancel = null;
    },
  };
}
