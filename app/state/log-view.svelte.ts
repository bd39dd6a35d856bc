/**
 * The support log view (`#/settings/log`): the node's log entries with a level filter, "Copy all"
 * and "Download as text". The text itself is app/lib/log-text.ts (redacted, with a header).
 */
import type { NodeState } from './node.svelte.ts';
import type { WalletState } from './wallet.svelte.ts';
import { filterLog, logFileName, logText, type LevelFilter } from '../lib/log-text.ts';
import { APP_VERSION, BUILD_ID } from '../lib/about.ts';
import { saveWithLink, type SaveFile } from './backup.svelte.ts';

export class LogView {
  level: LevelFilter = $state('all');
  /** Feedback of the last copy: shown beside the button, then cleared. */
  copied: 'copied' | 'failed' | null = $state(null);
  readonly #node: NodeState;
  readonly #wallet: WalletState;
  readonly #save: SaveFile;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(node: NodeState, wallet: WalletState, save: SaveFile = saveWithLink) {
    this.#node = node;
    this.#wallet = wallet;
    this.#save = save;
  }

  /** Newest first, as read on screen. */
  get shown() {
    return filterLog(this.#node.log, this.level).reverse();
  }

  get total(): number {
    return this.#node.log.length;
  }

  text(now = Date.now()): string {
    return logText(
      this.#node.log,
      {
        version: APP_VERSION,
        build: BUILD_ID,
        network: this.#wallet.status?.network ?? null,
        nodeId: this.#node.info.nodeId,
        userAgent: typeof navigator === 'undefined' ? null : navigator.userAgent,
        now,
      },
      this.level,
    );
  }

  async copy(): Promise<void> {
    clearTimeout(this.#timer);
    try {
      await navigator.clipboard.writeText(this.text());
      this.copied = 'copied';
    } catch {
      this.copied = 'failed';
    }
    this.#timer = setTimeout(() => (this.copied = null), 2500);
  }

  download(): void {
    const now = Date.now();
    this.#save(new TextEncoder().encode(this.text(now)), logFileName(now), 'text/plain;charset=utf-8');
  }
}
