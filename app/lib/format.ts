/** Display helpers (pure). */

/** `02ab12cd…9f3e41` — enough to tell node ids apart at a glance. */
export function shortId(id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id;
}

/** Clock time, e.g. `14:03:27`. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A round-trip time for display: `42 ms`, `<1 ms`, `1.2 s`. */
export function formatRtt(ms: number): string {
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}


/** The address part of `<node id>@<address>` (the card shows the node id separately). */
export function addressOnly(address: string, nodeId: string): string {
  return address.startsWith(`${nodeId}@`) ? address.slice(nodeId.length + 1) : address;
}
