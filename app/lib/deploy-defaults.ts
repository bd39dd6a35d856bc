/**
 * Prefills from this deployment's `/glint.config.json` (the playground writes one: its proxy and
 * its hub as the suggested peer). They only fill empty settings: what the user typed wins. The
 * worker validates the same file (workers/wallet-host.ts parseWalletConfig); this reads just the
 * two prefill fields and ignores anything malformed.
 */
import { settings } from '../state/settings.svelte.ts';
import { deployPrefills } from './deploy-prefills.ts';

/** How long the app waits for the config before mounting without it. */
const TIMEOUT_MS = 1500;

/** Fetch the config and fill the empty proxy URL and peer fields; any failure leaves settings alone. */
export async function applyDeployDefaults(): Promise<void> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  try {
    const res = await fetch('/glint.config.json', { cache: 'no-store', signal: ctl.signal });
    if (!res.ok || !/json/i.test(res.headers.get('content-type') ?? '')) return;
    const prefills = deployPrefills(await res.json());
    const now = settings.current;
    const patch: { proxyUrl?: string; lastPeerUri?: string } = {};
    if (prefills.proxyUrl && now.proxyUrl === '') patch.proxyUrl = prefills.proxyUrl;
    if (prefills.lastPeerUri && now.lastPeerUri === '') patch.lastPeerUri = prefills.lastPeerUri;
    if (Object.keys(patch).length > 0) settings.update(patch);
  } catch {
    // No config (a static host without one), offline, or too slow: nothing to prefill.
  } finally {
    clearTimeout(timer);
  }
}
