/** The iOS "Share → Add to Home Screen" hint (app/lib/install-hint.ts): iOS Safari only, not when installed. */
import { describe, expect, it } from 'vitest';
import { isIosSafari, showIosInstallHint } from '../../app/lib/install-hint.ts';

const IPHONE_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const IPHONE_CHROME = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/123.0.6312.52 Mobile/15E148 Safari/604.1';
const IPAD_DESKTOP_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36';

describe('iOS install hint', () => {
  it('is shown in iPhone Safari when not installed', () => {
    expect(showIosInstallHint({ userAgent: IPHONE_SAFARI, maxTouchPoints: 5, standalone: false })).toBe(true);
  });

  it('is not shown once running installed (standalone)', () => {
    expect(showIosInstallHint({ userAgent: IPHONE_SAFARI, maxTouchPoints: 5, standalone: true })).toBe(false);
  });

  it('recognises iPadOS Safari, which reports a Mac user agent but has touch points', () => {
    expect(isIosSafari({ userAgent: IPAD_DESKTOP_UA, maxTouchPoints: 5, standalone: false })).toBe(true);
    expect(isIosSafari({ userAgent: IPAD_DESKTOP_UA, maxTouchPoints: 0, standalone: false })).toBe(false);
  });

  it('is not shown in other iOS browsers or on Android', () => {
    expect(isIosSafari({ userAgent: IPHONE_CHROME, maxTouchPoints: 5, standalone: false })).toBe(false);
    expect(isIosSafari({ userAgent: ANDROID_CHROME, maxTouchPoints: 5, standalone: false })).toBe(false);
  });
});
