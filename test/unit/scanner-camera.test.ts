// Type-checked with the app (DOM lib, app/tsconfig.json), not with tsconfig.node.json.
// app/state/scanner.svelte.ts, the camera part, with the browser's media APIs stubbed (the runes
// compiled by the unit project's svelte plugin): the constraints given to getUserMedia (the rear
// camera by default, the exact device once one is chosen) and to applyConstraints (the torch, only
// where the track reports `torch` in getCapabilities), the list of cameras, and the words shown
// for a refused permission, no camera, a camera in use, an insecure page and no camera API at all.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scanner } from '../../app/state/scanner.svelte.ts';

interface StubTrack {
  kind: 'video';
  readyState: 'live' | 'ended';
  stop(): void;
  getCapabilities?: () => Record<string, unknown>;
  getSettings(): { deviceId?: string };
  applyConstraints: ReturnType<typeof vi.fn>;
}

function track(deviceId: string, caps: Record<string, unknown> | null, apply: (c: unknown) => Promise<void> = async () => {}): StubTrack {
  const t: StubTrack = {
    kind: 'video',
    readyState: 'live',
    stop: () => void (t.readyState = 'ended'),
    getSettings: () => ({ deviceId }),
    applyConstraints: vi.fn(apply),
  };
  if (caps) t.getCapabilities = () => caps;
  return t;
}

function stream(t: StubTrack) {
  return { getTracks: () => [t], getVideoTracks: () => [t] };
}

/** A video element as far as the scanner uses it; its frame callback never fires (no decoding here). */
function video() {
  return { muted: false, playsInline: false, srcObject: null as unknown, readyState: 0, videoWidth: 0, play: async () => {}, requestVideoFrameCallback: () => 1, cancelVideoFrameCallback: () => {} };
}

const DEVICES = [
  { kind: 'videoinput', deviceId: 'front', label: 'Front camera' },
  { kind: 'audioinput', deviceId: 'mic', label: 'Microphone' },
  { kind: 'videoinput', deviceId: 'back', label: '' },
];

let media: { getUserMedia: ReturnType<typeof vi.fn>; enumerateDevices: ReturnType<typeof vi.fn> } | undefined;

function stubBrowser(opts: { secure?: boolean; media?: boolean } = {}) {
  media = { getUserMedia: vi.fn(), enumerateDevices: vi.fn(async () => DEVICES) };
  vi.stubGlobal('isSecureContext', opts.secure ?? true);
  vi.stubGlobal('navigator', opts.media === false ? {} : { mediaDevices: media });
  vi.stubGlobal('document', { addEventListener: () => {}, removeEventListener: () => {}, visibilityState: 'visible' });
  vi.stubGlobal('addEventListener', () => {});
  vi.stubGlobal('removeEventListener', () => {});
  return media;
}

function scanner(): Scanner {
  return new Scanner({ network: () => 'regtest', ontake: () => {}, env: { loadJsQr: async () => () => null } });
}

const named = (name: string, message = name): Error => Object.assign(new Error(message), { name });

beforeEach(() => stubBrowser());
afterEach(() => {
  vi.unstubAllGlobals();
  media = undefined;
});

describe('scanner camera', () => {
  it('asks for the rear camera first, lists the video inputs (unnamed ones numbered) and scans', async () => {
    const m = stubBrowser();
    m.getUserMedia.mockResolvedValue(stream(track('back', {})));
    const s = scanner();
    const v = video();
    await s.start(v as never);
    expect(m.getUserMedia).toHaveBeenCalledTimes(1);
    expect(m.getUserMedia).toHaveBeenCalledWith({ video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
    expect(s.status).toBe('scanning');
    expect(s.problem).toBeNull();
    expect(v.muted && v.playsInline).toBe(true);
    expect(s.cameras).toEqual([
      { id: 'front', label: 'Front camera' },
      { id: 'back', label: 'Camera 2' },
    ]);
    expect(s.cameraId).toBe('back');
    expect(s.cameraOn).toBe(true);
  });

  it('choosing another camera stops the first one’s tracks and asks for that exact device', async () => {
    const m = stubBrowser();
    const first = track('back', {});
    const second = track('front', {});
    m.getUserMedia.mockResolvedValueOnce(stream(first)).mockResolvedValueOnce(stream(second));
    const s = scanner();
    await s.start(video() as never);
    await s.chooseCamera('front');
    expect(first.readyState).toBe('ended');
    expect(m.getUserMedia).toHaveBeenLastCalledWith({ video: { deviceId: { exact: 'front' }, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
    expect(s.cameraId).toBe('front');
    expect(s.status).toBe('scanning');
    // Choosing the camera already on does not restart it.
    await s.chooseCamera('front');
    expect(m.getUserMedia).toHaveBeenCalledTimes(2);
    s.stop();
    expect(second.readyState).toBe('ended');
    expect(s.status).toBe('idle');
  });

  it('the torch: offered only where the track reports it, switched with applyConstraints on and off', async () => {
    const m = stubBrowser();
    const t = track('back', { torch: true });
    m.getUserMedia.mockResolvedValue(stream(t));
    const s = scanner();
    await s.start(video() as never);
    expect(s.torchSupported).toBe(true);
    await s.toggleTorch();
    expect(t.applyConstraints).toHaveBeenLastCalledWith({ advanced: [{ torch: true }] });
    expect(s.torchOn).toBe(true);
    await s.toggleTorch();
    expect(t.applyConstraints).toHaveBeenLastCalledWith({ advanced: [{ torch: false }] });
    expect(s.torchOn).toBe(false);
  });

  it('no torch where the track does not report it (or has no getCapabilities): nothing is applied', async () => {
    for (const caps of [{ torch: false }, {}, null]) {
      const m = stubBrowser();
      const t = track('back', caps);
      m.getUserMedia.mockResolvedValue(stream(t));
      const s = scanner();
      await s.start(video() as never);
      expect(s.torchSupported).toBe(false);
      await s.toggleTorch();
      expect(t.applyConstraints).not.toHaveBeenCalled();
      expect(s.torchOn).toBe(false);
    }
  });

  it('a torch the camera refuses to switch is hidden, with a message', async () => {
    const m = stubBrowser();
    const t = track('back', { torch: true }, async () => {
      throw named('NotSupportedError');
    });
    m.getUserMedia.mockResolvedValue(stream(t));
    const s = scanner();
    await s.start(video() as never);
    await s.toggleTorch();
    expect(s.torchSupported).toBe(false);
    expect(s.torchOn).toBe(false);
    expect(s.message).toBe('This camera’s light could not be switched.');
  });

  it('camera permission denied: its own words, and the other ways in are named', async () => {
    const m = stubBrowser();
    m.getUserMedia.mockRejectedValue(named('NotAllowedError', 'Permission denied'));
    const s = scanner();
    await s.start(video() as never);
    expect(s.status).toBe('denied');
    expect(s.problem).toBe('Camera access was refused. Allow the camera for this site in the browser’s settings, or choose an image or paste the code below.');
    expect(s.cameraOn).toBe(false);
  });

  it('no camera at all (NotFoundError), and a camera in use by another app (NotReadableError)', async () => {
    const m = stubBrowser();
    m.getUserMedia.mockRejectedValueOnce(named('NotFoundError', 'Requested device not found'));
    const s = scanner();
    await s.start(video() as never);
    expect(s.status).toBe('no-camera');
    expect(s.problem).toBe('No camera was found. Choose an image of the QR code or paste its text below.');
    m.getUserMedia.mockRejectedValueOnce(named('NotReadableError', 'Could not start video source'));
    await s.start(video() as never);
    expect(s.status).toBe('failed');
    expect(s.problem).toContain('in use by another app');
  });

  it('"Try the camera again" after a refusal asks again and scans once allowed; not offered while scanning or on an insecure page', async () => {
    const m = stubBrowser();
    m.getUserMedia.mockRejectedValueOnce(named('NotAllowedError')).mockResolvedValueOnce(stream(track('back', {})));
    const s = scanner();
    expect(s.canRetry).toBe(false); // never started
    await s.start(video() as never);
    expect(s.canRetry).toBe(true);
    await s.retry();
    expect(m.getUserMedia).toHaveBeenCalledTimes(2);
    expect(s.status).toBe('scanning');
    expect(s.problem).toBeNull();
    expect(s.canRetry).toBe(false);
    stubBrowser({ secure: false });
    const insecure = scanner();
    await insecure.start(video() as never);
    expect(insecure.canRetry).toBe(false);
  });

  it('an insecure page (http, not localhost): no camera is asked for, and the words say why', async () => {
    const m = stubBrowser({ secure: false });
    const s = scanner();
    await s.start(video() as never);
    expect(m.getUserMedia).not.toHaveBeenCalled();
    expect(s.status).toBe('insecure');
    expect(s.problem).toBe('The camera works only on a secure page: open Glint over https:// or on localhost. You can still choose an image or paste the code below.');
  });

  it('no camera API (no navigator.mediaDevices): unsupported, with the other ways in', async () => {
    stubBrowser({ media: false });
    const s = scanner();
    await s.start(video() as never);
    expect(s.status).toBe('unsupported');
    expect(s.problem).toBe('This browser cannot use a camera here. Choose an image of the QR code or paste its text below.');
  });
});
