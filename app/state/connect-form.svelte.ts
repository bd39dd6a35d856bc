/**
 * The "connect to a peer" form: field values, when to show which validation message, and submit.
 * Inline messages appear once a field has been left (or on submit) and then follow typing; the
 * worker's rejection, if any, is shown verbatim as `connectError`.
 */
import { checkPeerUri, checkProxyUrl } from '../lib/peer-input.ts';
import type { NodeState } from './node.svelte.ts';
import { settings } from './settings.svelte.ts';

export class ConnectForm {
  #uri = $state('');
  #proxy = $state('');
  uriTouched = $state(false);
  proxyTouched = $state(false);
  submitted = $state(false);
  busy = $state(false);
  /** The node worker's reason, verbatim. */
  connectError: string | null = $state(null);
  /** Set briefly after a successful connect, for the status line. */
  connected: string | null = $state(null);

  readonly #node: NodeState;
  readonly #peerCheck = $derived(checkPeerUri(this.#uri));
  /** A TCP address needs the proxy; a ws:// peer does not. */
  readonly #needsProxy = $derived(this.#peerCheck.ok ? this.#peerCheck.value.target.kind === 'tcp' : !/@\s*wss?:\/\//i.test(this.#uri));
  readonly #proxyCheck = $derived(checkProxyUrl(this.#proxy, this.#needsProxy));

  constructor(node: NodeState) {
    this.#node = node;
    const saved = settings.current;
    this.#proxy = settings.proxyFor();
    this.#uri = saved.lastPeerUri;
  }

  get uri(): string {
    return this.#uri;
  }
  set uri(v: string) {
    this.#uri = v;
    this.connectError = null;
  }

  get proxy(): string {
    return this.#proxy;
  }
  set proxy(v: string) {
    this.#proxy = v;
    this.connectError = null;
  }

  get uriError(): string | null {
    if (this.#peerCheck.ok) return null;
    if (this.submitted || (this.uriTouched && this.#uri.trim() !== '')) return this.#peerCheck.error;
    return null;
  }

  get proxyError(): string | null {
    if (this.#proxyCheck.ok) return null;
    if (this.submitted || (this.proxyTouched && this.#proxy.trim() !== '')) return this.#proxyCheck.error;
    return null;
  }

  get needsProxy(): boolean {
    return this.#needsProxy;
  }

  get canSubmit(): boolean {
    return !this.busy && this.#node.running;
  }

  /** Validate, remember the proxy, and connect. Returns which field to focus on a shape error. */
  async submit(): Promise<'uri' | 'proxy' | null> {
    this.submitted = true;
    this.connected = null;
    this.connectError = null;
    if (!this.#peerCheck.ok) return 'uri';
    if (!this.#proxyCheck.ok) return 'proxy';
    if (!this.canSubmit) return null;
    const uri = this.#uri.trim();
    const proxy = this.#proxyCheck.value;
    settings.rememberProxy(this.#proxy);
    this.busy = true;
    try {
      const peer = await this.#node.connect(uri, proxy);
      settings.update({ lastPeerUri: uri });
      this.connected = peer.nodeId;
      this.submitted = false;
      this.uriTouched = false;
    } catch (err) {
      this.connectError = err instanceof Error ? err.message : String(err);
    } finally {
      this.busy = false;
    }
    return null;
  }
}
