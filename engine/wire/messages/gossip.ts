/**
 * BOLT 7 gossip message types. The engine does not process gossip yet (the routing work adds
 * validation and the graph), but these types are KNOWN: BOLT 1 says an unknown even type fails
 * the connection, and peers send them unasked — LDK sends a private `channel_update` (258) right
 * after `channel_ready` on every unannounced channel. They are surfaced as opaque payloads.
 */
export const GOSSIP_MESSAGE_NAMES: ReadonlyMap<number, string> = new Map([
  [256, 'channel_announcement'],
  [257, 'node_announcement'],
  [258, 'channel_update'],
  [259, 'announcement_signatures'],
  [261, 'query_short_channel_ids'],
  [262, 'reply_short_channel_ids_end'],
  [263, 'query_channel_range'],
  [264, 'reply_channel_range'],
  [265, 'gossip_timestamp_filter'],
]);

/** True for the BOLT 7 gossip message types. */
export function isGossipMessageType(type: number): boolean {
  return GOSSIP_MESSAGE_NAMES.has(type);
}
