/**
 * Defaults from this deployment's `/glint.config.json` (the playground writes one: its proxy and
 * its hub as the suggested peer). The proxy becomes the default of every network (kept in memory,
 * not saved: a later config wins); the peer only fills an empty field. What the user chose wins. The
 * worker validates the same file (workers/wallet-host.ts parseWalletConfig); this reads just the
 * two prefill fields and ignores anything malformed.
 */
import { settings } from '../state/settings.svelte.ts';
import { deployPrefills } from './deploy-prefills.ts';

/** How long the app waits for the config before mounting without it. */
const TIMEOUT_MS = 1500;

/** Fetch the config, set the default proxy and fill the empty peer field; any failure leaves settings alone. */
export async function applyDeployDefaults(): Promise<void> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  try {
    const res = await fetch('/glint.config.json', { cache: 'no-store', signal: ctl.signal });
    if (!res.ok || !/json/i.test(res.headers.get('content-type') ?? '')) return;
    const prefills = deployPrefills(await res.json());
    const now = settings.current;
    if (prefills.proxyUrl) settings.deployProxy = prefills.proxyUrl;
    if (prefills.lastPeerUri && now.lastPeerUri === '') settings.update({ lastPeerUri: prefills.lastPeerUri });
  } catch {
    // No config (a static host without one), offline, or too slow: nothing to prefill.
  } finally {
    clearTimeout(timer);
  }
}
