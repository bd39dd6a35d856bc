/**
 * Installing Glint: Chromium-based browsers offer it through `beforeinstallprompt` (the Install
 * button); iOS Safari has no such event, so the app explains the manual way there (pure).
 */

export interface Platform {
  readonly userAgent: string;
  /** `navigator.maxTouchPoints`: iPadOS 13+ reports a desktop Mac user agent but has touch points. */
  readonly maxTouchPoints: number;
  /** Running as an installed app: `(display-mode: standalone)` matches, or iOS `navigator.standalone`. */
  readonly standalone: boolean;
}

/** The words shown on iOS Safari, where only the Share menu installs a web app. */
export const IOS_INSTALL_HINT = 'To install Glint: tap Share → Add to Home Screen.';

/** Safari on an iPhone, iPad or iPod (not Chrome/Firefox/Edge for iOS, which cannot add web apps the same way). */
export function isIosSafari(p: Platform): boolean {
  const ua = p.userAgent;
  const ios = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && p.maxTouchPoints > 1);
  if (!ios) return false;
  if (/CriOS|FxiOS|EdgiOS|OPiOS|GSA\//.test(ua)) return false;
  return /Safari\//.test(ua) && /Version\//.test(ua);
}

/** Show the iOS hint: iOS Safari, not already running installed. */
export function showIosInstallHint(p: Platform): boolean {
  return !p.standalone && isIosSafari(p);
}
