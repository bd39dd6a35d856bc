/**
 * How far an opening channel's funding is (pure): its confirmations against what the channel
 * waits for, BOLT 2 `minimum_depth` from accept_channel (ChannelDto `minimumDepth`; 0: a
 * zero-conf channel, usable before any). Loaded before home (pending.ts): keep it small; the
 * Channels screen's per-card figures are in funding-progress.ts.
 */
const confs = (n: number): string => `${n.toLocaleString('en-US')} ${n === 1 ? 'confirmation' : 'confirmations'}`;

/**
 * `1 of 3 confirmations` (never past the depth: a deep enough funding waits for channel_ready,
 * not blocks), `2 confirmations` when the depth is not known, `needs 3 confirmations` when the
 * confirmations are not, `zero-conf` for depth 0; null when neither is known.
 */
export function fundingDepthText(confirmations: number | null, minimumDepth: number | undefined): string | null {
  if (minimumDepth === 0) return 'zero-conf: usable without waiting for confirmations';
  if (minimumDepth === undefined) return confirmations === null ? null : confs(confirmations);
  if (confirmations === null) return `needs ${confs(minimumDepth)}`;
  return `${Math.min(confirmations, minimumDepth).toLocaleString('en-US')} of ${confs(minimumDepth)}`;
}
