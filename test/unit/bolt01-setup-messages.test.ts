/** BOLT 1 setup and control messages: init, error, warning, ping, pong, and the odd/even type rule. */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { DecodeError } from '../../engine/lib/errors.ts';
import { decodeMessage, encodeMessage, type Message } from '../../engine/wire/message.ts';
import { errorText } from '../../engine/wire/messages/setup.ts';
import { chainHash } from '../../engine/wire/chains.ts';

function roundTrip(m: Message): Message {
  const bytes = encodeMessage(m);
  const d = decodeMessage(bytes);
  if (d.kind !== 'known') throw new Error('unknown');
  expect(bytesToHex(encodeMessage(d.message))).toBe(bytesToHex(bytes));
  return d.message;
}

describe('BOLT 1 init', () => {
  it('round-trips features, networks and unknown odd TLVs', () => {
    const m = roundTrip({
      type: 'init',
      globalFeatures: hexToBytes('02'),
      features: hexToBytes('a8a1'),
      networks: [chainHash('regtest')],
      remoteAddress: hexToBytes('017f000001260f'),
      unknownTlvs: [{ type: 0xc9n, value: hexToBytes('2a') }],
    });
    expect(m.type).toBe('init');
    if (m.type === 'init') expect(bytesToHex(m.networks![0]!)).toBe('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f');
  });
  it('rejects a networks record that is not a multiple of 32 bytes', () => {
    expect(() => decodeMessage(hexToBytes('00100000000001021234'))).toThrow(DecodeError);
  });
  it('rejects a truncated features field', () => {
    expect(() => decodeMessage(hexToBytes('0010000000050102'))).toThrow(/init.features/);
  });
});

describe('BOLT 1 error and warning', () => {
  it('round-trips and renders text', () => {
    const m = roundTrip({ type: 'error', channelId: new Uint8Array(32), data: new TextEncoder().encode('boom') });
    expect(m.type === 'error' && errorText(m)).toBe('boom');
    const w = roundTrip({ type: 'warning', channelId: new Uint8Array(32).fill(1), data: Uint8Array.of(0, 1) });
    expect(w.type === 'warning' && errorText(w)).toBe('0x0001');
  });
});

describe('BOLT 1 ping and pong', () => {
  it('round-trips', () => {
    expect(roundTrip({ type: 'ping', numPongBytes: 10, ignoredLength: 3 })).toEqual({ type: 'ping', numPongBytes: 10, ignoredLength: 3 });
    expect(roundTrip({ type: 'pong', ignoredLength: 10 })).toEqual({ type: 'pong', ignoredLength: 10 });
  });
});

describe('BOLT 1 message types', () => {
  it('an unknown odd type is returned for the caller to ignore', () => {
    expect(decodeMessage(hexToBytes('8001abcd'))).toMatchObject({ kind: 'unknown', type: 0x8001 });
  });
  it('an unknown even type is an error', () => {
    expect(() => decodeMessage(hexToBytes('8000abcd'))).toThrow(/unknown even message type/);
  });
  it('a message shorter than its type is an error', () => {
    expect(() => decodeMessage(hexToBytes('00'))).toThrow(DecodeError);
  });
});

describe('BOLT 7 gossip types are known', () => {
  it('channel_update (258, even) is passed on, not an unknown even type', () => {
    expect(decodeMessage(hexToBytes('0102abcdef'))).toMatchObject({ kind: 'gossip', type: 258, name: 'channel_update' });
    for (const t of [256, 257, 258, 259, 261, 262, 263, 264, 265]) {
      const b = new Uint8Array([t >> 8, t & 0xff, 0]);
      expect(decodeMessage(b).kind).toBe('gossip');
    }
    expect(() => decodeMessage(hexToBytes('0104'))).toThrow(/unknown even message type 260/);
  });
});
