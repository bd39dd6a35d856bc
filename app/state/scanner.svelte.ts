/**
 * The scanner (issue 9 "Scan to pay"): the camera's lifecycle, the decode loop, the detector
 * choice, the image-file and paste paths, and where a result leads.
 *
 * Camera: `getUserMedia` (rear camera preferred, or the one chosen), shown muted and inline; the
 * torch where the track offers it (`getCapabilities().torch`); a choice of camera when there are
 * several. The tracks are stopped whenever the scanner is not on screen: `stop()` (the component's
 * teardown: leaving the route, unmounting), the page being hidden (it resumes when shown again)
 * or unloaded. Permission denied, no camera, and an insecure page (the camera needs https:// or
 * localhost) each get their own words; the image and paste paths work in every case.
 *
 * The classifier (app/lib/scan-input.ts, which carries the engine's BIP 21 / LNURL parsers) and
 * jsQR are loaded with dynamic imports when the scanner opens, so neither is in the first load.
 */
import type { NetworkName } from '../../workers/rpc/protocol.ts';
import type { ScanResult } from '../lib/scan-input.ts';
import type { Tab, WalletView } from '../lib/route.ts';
import type { SendForm } from './send-form.svelte.ts';
import type { LightningSend } from './lightning-send.svelte.ts';
import type { OpenChannelForm } from './open-channel-form.svelte.ts';
import { browserDetectorEnv, chooseDetector, runDecodeLoop, type DetectorEnv, type Frame, type Pixels, type QrDetector } from '../lib/qr-detector.ts';

export type ScannerStatus = 'idle' | 'starting' | 'scanning' | 'paused' | 'denied' | 'no-camera' | 'insecure' | 'unsupported' | 'failed';
export type ScanSource = 'camera' | 'file' | 'paste';

/** Frames are drawn this wide at most for the JS decoder (enough for a phone-screen QR code). */
const MAX_CAMERA_PIXELS = 960;
const MAX_IMAGE_PIXELS = 1600;
/** One detection per this many ms at most. */
const DECODE_INTERVAL_MS = 150;

type Classifier = typeof import('../lib/scan-input.ts');
let classifier: Promise<Classifier> | null = null;
/** The classifier module, loaded once on first use. */
export function loadClassifier(): Promise<Classifier> {
  classifier ??= import('../lib/scan-input.ts');
  return classifier;
}

export interface ScannerOptions {
  /** The wallet's network, read when a code is classified. */
  readonly network: () => NetworkName;
  /** A code that leads somewhere (an invoice, an address, a node): hand it over. */
  readonly ontake: (result: ScanResult, source: ScanSource) => void;
  readonly env?: DetectorEnv;
}

function cameraProblem(err: unknown): { status: ScannerStatus; text: string } {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return { status: 'denied', text: 'Camera access was refused. Allow the camera for this site in the browser’s settings, or choose an image or paste the code below.' };
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') {
    return { status: 'no-camera', text: 'No camera was found. Choose an image of the QR code or paste its text below.' };
  }
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') {
    return { status: 'failed', text: 'The camera is in use by another app or could not start. Close the other app and try again, or choose an image below.' };
  }
  return { status: 'failed', text: `The camera could not start (${err instanceof Error ? err.message : String(err)}). Choose an image or paste the code below.` };
}

/** Draw `source` (w × h) scaled to at most `max` pixels wide or high, and read its RGBA pixels. */
function drawPixels(canvas: HTMLCanvasElement, source: CanvasImageSource, w: number, h: number, max: number): Pixels | null {
  if (w <= 0 || h <= 0) return null;
  const scale = Math.min(1, max / Math.max(w, h));
  const cw = Math.max(1, Math.round(w * scale));
  const ch = Math.max(1, Math.round(h * scale));
  if (canvas.width !== cw) canvas.width = cw;
  if (canvas.height !== ch) canvas.height = ch;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.drawImage(source, 0, 0, cw, ch);
  return ctx.getImageData(0, 0, cw, ch);
}

export class Scanner {
  status: ScannerStatus = $state('idle');
  /** Why the camera is not showing (denied, none, insecure, failed), in words. */
  problem: string | null = $state(null);
  cameras: readonly { id: string; label: string }[] = $state.raw([]);
  cameraId = $state('');
  torchSupported = $state(false);
  torchOn = $state(false);
  detectorKind: QrDetector['kind'] | null = $state(null);
  /** What the last code read was, when it did not lead anywhere (garbage, LNURL, wrong network). */
  message: string | null = $state(null);
  /** The paste field. */
  pasteText = $state('');
  /** Reading an image file or the clipboard. */
  busy = $state(false);

  readonly #opts: ScannerOptions;
  readonly #env: DetectorEnv;
  #detector: Promise<QrDetector> | null = null;
  #video: HTMLVideoElement | null = null;
  #stream: MediaStream | null = null;
  #loop: { stop(): void } | null = null;
  #canvas: HTMLCanvasElement | null = null;
  /** Bumped by every start and stop: a start that finishes after a newer call gives up. */
  #generation = 0;
  #wanted = false;
  #listening = false;

  constructor(opts: ScannerOptions) {
    this.#opts = opts;
    this.#env = opts.env ?? browserDetectorEnv();
  }

  #getDetector(): Promise<QrDetector> {
    this.#detector ??= chooseDetector(this.#env).catch((err: unknown) => {
      this.#detector = null;
      throw err;
    });
    return this.#detector;
  }

  #canvasEl(): HTMLCanvasElement {
    this.#canvas ??= document.createElement('canvas');
    return this.#canvas;
  }

  readonly #onVisibility = (): void => {
    if (document.visibilityState === 'hidden') {
      if (this.#stream || this.status === 'starting') {
        this.#release();
        this.status = 'paused';
      }
    } else if (this.status === 'paused' && this.#wanted && this.#video) {
      void this.start(this.#video);
    }
  };
  readonly #onPageHide = (): void => {
    this.#release();
    if (this.#wanted) this.status = 'paused';
  };

  /** Open the camera into `video` and scan its frames. Safe to call again (restarts). */
  async start(video: HTMLVideoElement): Promise<void> {
    this.#video = video;
    this.#wanted = true;
    if (!this.#listening) {
      document.addEventListener('visibilitychange', this.#onVisibility);
      addEventListener('pagehide', this.#onPageHide);
      this.#listening = true;
    }
    this.#release();
    const generation = ++this.#generation;
    this.problem = null;
    if (!isSecureContext) {
      this.status = 'insecure';
      this.problem = 'The camera works only on a secure page: open Glint over https:// or on localhost. You can still choose an image or paste the code below.';
      return;
    }
    if (!navigator.mediaDevices?.getUserMedia) {
      this.status = 'unsupported';
      this.problem = 'This browser cannot use a camera here. Choose an image of the QR code or paste its text below.';
      return;
    }
    this.status = 'starting';
    let detector: QrDetector;
    let cls: Classifier;
    let stream: MediaStream;
    try {
      [detector, cls] = await Promise.all([this.#getDetector(), loadClassifier()]);
    } catch (err) {
      if (generation !== this.#generation) return;
      this.status = 'failed';
      this.problem = `The QR decoder could not load (${err instanceof Error ? err.message : String(err)}). Paste the code below instead.`;
      return;
    }
    if (generation !== this.#generation) return;
    this.detectorKind = detector.kind;
    try {
      const choice: MediaTrackConstraints = this.cameraId !== '' ? { deviceId: { exact: this.cameraId } } : { facingMode: { ideal: 'environment' } };
      stream = await navigator.mediaDevices.getUserMedia({ video: { ...choice, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
    } catch (err) {
      if (generation !== this.#generation) return;
      const p = cameraProblem(err);
      this.status = p.status;
      this.problem = p.text;
      return;
    }
    if (generation !== this.#generation) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    this.#stream = stream;
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await video.play().catch(() => {});
    if (generation !== this.#generation) return;
    const track = stream.getVideoTracks()[0];
    const caps = (track?.getCapabilities?.() ?? {}) as MediaTrackCapabilities & { torch?: boolean };
    this.torchSupported = caps.torch === true;
    this.torchOn = false;
    this.cameraId = track?.getSettings().deviceId ?? this.cameraId;
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      this.cameras = devices.filter((d) => d.kind === 'videoinput').map((d, i) => ({ id: d.deviceId, label: d.label || `Camera ${i + 1}` }));
    } catch {
      this.cameras = [];
    }
    if (generation !== this.#generation) return;
    this.#loop = runDecodeLoop({
      detector,
      frame: () => this.#cameraFrame(),
      schedule: (cb) => this.#schedule(cb),
      now: () => performance.now(),
      intervalMs: DECODE_INTERVAL_MS,
      onText: (text) => this.#take(cls, text, 'camera'),
    });
    this.status = 'scanning';
  }

  /** The next video frame (requestVideoFrameCallback where the browser has it, else rAF). */
  #schedule(cb: () => void): () => void {
    const video = this.#video;
    if (video && 'requestVideoFrameCallback' in video) {
      const id = video.requestVideoFrameCallback(() => cb());
      return () => video.cancelVideoFrameCallback(id);
    }
    const id = requestAnimationFrame(() => cb());
    return () => cancelAnimationFrame(id);
  }

  #cameraFrame(): Frame | null {
    const video = this.#video;
    if (!video || video.readyState < 2 || video.videoWidth === 0) return null;
    return { source: video, pixels: () => drawPixels(this.#canvasEl(), video, video.videoWidth, video.videoHeight, MAX_CAMERA_PIXELS) };
  }

  /** Stop the camera's tracks and the loop (the state stays as it is). */
  #release(): void {
    this.#generation++;
    this.#loop?.stop();
    this.#loop = null;
    if (this.#stream) for (const t of this.#stream.getTracks()) t.stop();
    this.#stream = null;
    if (this.#video) this.#video.srcObject = null;
    this.torchOn = false;
  }

  /** Close the scanner: the camera goes off and stays off until `start` again. */
  stop(): void {
    this.#wanted = false;
    this.#release();
    if (this.#listening) {
      document.removeEventListener('visibilitychange', this.#onVisibility);
      removeEventListener('pagehide', this.#onPageHide);
      this.#listening = false;
    }
    this.status = 'idle';
  }

  /** Whether a camera track is live (for tests and the UI). */
  get cameraOn(): boolean {
    return this.#stream !== null && this.#stream.getTracks().some((t) => t.readyState === 'live');
  }

  /** The camera could not start (refused, none found, in use, failed) but may now: try again. */
  get canRetry(): boolean {
    // `status` first: it is what makes this reactive (#video is not state).
    const stuck = this.status === 'denied' || this.status === 'no-camera' || this.status === 'failed';
    return stuck && this.#video !== null;
  }

  /** Try the camera again (after the user allowed it in the browser, plugged one in or closed the other app). */
  async retry(): Promise<void> {
    if (this.canRetry && this.#video) await this.start(this.#video);
  }

  async chooseCamera(id: string): Promise<void> {
    if (id === this.cameraId && this.cameraOn) return;
    this.cameraId = id;
    if (this.#video) await this.start(this.#video);
  }

  async toggleTorch(): Promise<void> {
    const track = this.#stream?.getVideoTracks()[0];
    if (!track || !this.torchSupported) return;
    const on = !this.torchOn;
    try {
      await track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
      this.torchOn = on;
    } catch {
      this.torchSupported = false;
      this.message = 'This camera’s light could not be switched.';
    }
  }

  /** Classify `text` and hand it over when it leads somewhere; otherwise say why not. True when taken. */
  #take(cls: Classifier, text: string, source: ScanSource): boolean {
    const result = cls.classifyScan(text, this.#opts.network());
    if (result.kind === 'lightning' || result.kind === 'onchain' || result.kind === 'node') {
      this.message = null;
      this.stop();
      this.#opts.ontake(result, source);
      return true;
    }
    this.message = cls.describeScan(result);
    return false;
  }

  /** The same, loading the classifier first (the file and paste paths). */
  async offer(text: string, source: ScanSource): Promise<boolean> {
    return this.#take(await loadClassifier(), text, source);
  }

  /** An image file (a screenshot or photo of a QR code), read with the same detector. */
  async scanFile(file: File | undefined | null): Promise<void> {
    if (!file) return;
    if (file.type !== '' && !file.type.startsWith('image/')) {
      this.message = `“${file.name}” is not an image: choose a picture of the QR code.`;
      return;
    }
    this.busy = true;
    this.message = null;
    let bitmap: ImageBitmap | null = null;
    try {
      try {
        bitmap = await createImageBitmap(file);
      } catch {
        this.message = `“${file.name}” could not be read as an image.`;
        return;
      }
      const img = bitmap;
      const detector = await this.#getDetector();
      this.detectorKind = detector.kind;
      const text = await detector.detect({ source: img, pixels: () => drawPixels(this.#canvasEl(), img, img.width, img.height, MAX_IMAGE_PIXELS) });
      if (text === null) {
        this.message = 'No QR code was found in that image. Try a sharper or closer picture, or paste the text.';
        return;
      }
      await this.offer(text, 'file');
    } catch (err) {
      this.message = `That image could not be scanned (${err instanceof Error ? err.message : String(err)}).`;
    } finally {
      bitmap?.close();
      this.busy = false;
    }
  }

  /** Read the clipboard into the paste field and use it. */
  async pasteFromClipboard(): Promise<void> {
    this.busy = true;
    try {
      const text = (await navigator.clipboard.readText()).trim();
      if (text === '') {
        this.message = 'The clipboard is empty.';
        return;
      }
      this.pasteText = text;
      await this.offer(text, 'paste');
    } catch {
      this.message = 'This browser did not let the page read the clipboard: paste into the field instead.';
    } finally {
      this.busy = false;
    }
  }

  /** Use what was typed or pasted into the field. */
  async submitPaste(): Promise<void> {
    if (this.pasteText.trim() === '') {
      this.message = 'Paste or type an invoice, address or node first.';
      return;
    }
    await this.offer(this.pasteText, 'paste');
  }
}

/** Where a taken code goes: the Send screen's forms, the open-channel form, and the router. */
export interface ScanTargets {
  readonly send: SendForm;
  readonly lightning: LightningSend;
  readonly openChannel: OpenChannelForm;
  readonly go: (tab: Tab, view?: WalletView) => void;
}

/** An invoice's BIP 21 on-chain alternative, offered on the Lightning review. */
export interface OnchainFallback {
  readonly invoice: string;
  readonly address: string;
  readonly amountSat?: bigint;
}

/**
 * Lead a taken code to its review: an invoice to the Lightning review (the node decodes it), an
 * address to the Send screen (straight to its review when the code named an amount), a node to
 * the open-channel form, prefilled. Returns the on-chain fallback of a BIP 21 invoice, if any.
 */
export async function handOver(result: ScanResult, t: ScanTargets): Promise<OnchainFallback | null> {
  if (result.kind === 'node') {
    t.openChannel.reset();
    t.openChannel.uri = result.uri;
    t.openChannel.touched.uri = true;
    t.openChannel.edited();
    t.go('channels');
    return null;
  }
  t.lightning.reset();
  t.send.reset();
  if (result.kind === 'lightning') {
    t.send.to = result.sendText;
    t.go('wallet', 'send');
    await t.lightning.review(result.sendText);
    return result.fallback ? { invoice: result.invoice, ...result.fallback } : null;
  }
  if (result.kind === 'onchain') {
    t.send.to = result.address;
    t.send.touched.to = true;
    t.go('wallet', 'send');
    if (result.amountSat !== undefined) {
      t.send.amount = result.amountSat.toString();
      await t.send.loadRates();
      await t.send.review();
    }
  }
  return null;
}

/** The wallet's scanner: what it takes goes to its review (`handOver`); `fallback` is kept for the review. */
export class ScanToPay {
  readonly scanner: Scanner;
  fallback: OnchainFallback | null = $state.raw(null);

  constructor(network: () => NetworkName, targets: ScanTargets) {
    this.scanner = new Scanner({
      network,
      ontake: (result) => {
        this.fallback = null;
        void handOver(result, targets).then((f) => (this.fallback = f));
      },
    });
  }
}
