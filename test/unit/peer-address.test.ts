/** Peer URIs (`pubkey@host:port`) and proxy URL schemes. */
import { describe, expect, it } from 'vitest';
import { parsePeerUri, parseProxyUrl, proxyUrlFor, transportFor } from '../../engine/peer/address.ts';
import { ValidationError } from '../../engine/lib/errors.ts';

const KEY = '0355f8d2238a322d16b602bd0ceaad5b01019fb055971eaadcc9b29226a4da6c23';

describe('peer URIs', () => {
  it('parses IPv4, DNS and IPv6 forms', () => {
    expect(parsePeerUri(`${KEY}@127.0.0.1:9735`)).toMatchObject({ nodeIdHex: KEY, host: '127.0.0.1', port: 9735 });
    expect(parsePeerUri(`${KEY.toUpperCase()}@node.example.com:9736`)).toMatchObject({ nodeIdHex: KEY, host: 'node.example.com' });
    expect(parsePeerUri(`${KEY}@[::1]:9735`)).toMatchObject({ host: '::1', port: 9735 });
    expect(parsePeerUri(`${KEY}@wss://peer.example/ln`)).toMatchObject({ url: 'wss://peer.example/ln' });
  });
  const bad: [string, RegExp][] = [
    ['no-at-sign', /expected <node id>@<host>:<port>/],
    [`${KEY.slice(2)}@1.2.3.4:9735`, /66 hex/],
    [`02${'00'.repeat(32)}@1.2.3.4:9735`, /not a valid secp256k1 public key/],
    [`${KEY}@1.2.3.4`, /missing ":port"/],
    [`${KEY}@1.2.3.4:0`, /port must be from 1 to 65535/],
    [`${KEY}@1.2.3.4:70000`, /port must be from 1 to 65535/],
    [`${KEY}@1.2.3.4:abc`, /port must be a number/],
    [`${KEY}@bad_host!:9735`, /not a valid host name/],
    [`${KEY}@::1:9735`, /\[addr\]:port/],
    [`${KEY}@ws://`, /not a valid ws/],
  ];
  for (const [uri, why] of bad) {
    it(`rejects ${uri.slice(0, 40)}… clearly`, () => {
      expect(() => parsePeerUri(uri)).toThrow(ValidationError);
      expect(() => parsePeerUri(uri)).toThrow(why);
    });
  }
});

describe('proxy URLs', () => {
  it('appends /v1/<host with . as _>/<port> to a base URL', () => {
    expect(proxyUrlFor('ws://127.0.0.1:8080', '127.0.0.1', 9735)).toBe('ws://127.0.0.1:8080/v1/127_0_0_1/9735');
    expect(proxyUrlFor('wss://p.example/ln/', 'node.example.com', 9735)).toBe('wss://p.example/ln/v1/node_example_com/9735');
  });
  it('fills a {host}/{port} template', () => {
    expect(proxyUrlFor('wss://p.example/tcp?to={host}:{port}', '1.2.3.4', 9735)).toBe('wss://p.example/tcp?to=1.2.3.4:9735');
    expect(proxyUrlFor('wss://p.example/{host}/{port}', '::1', 9735)).toBe('wss://p.example/[::1]/9735');
  });
  it('rejects bad proxy URLs', () => {
    expect(() => parseProxyUrl('http://x')).toThrow(/not a ws:\/\/ or wss:\/\//);
    expect(() => parseProxyUrl('ws://x/{host}')).toThrow(/both \{host\} and \{port\}/);
    expect(() => parseProxyUrl('ws://x/?a=b')).toThrow(/query/);
    expect(() => proxyUrlFor('ws://x', '::1', 1)).toThrow(/IPv6/);
  });
  it('chooses the transport', () => {
    const a = parsePeerUri(`${KEY}@127.0.0.1:9735`);
    expect(transportFor(a)).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9735 });
    expect(transportFor(a, 'ws://p:1')).toEqual({ kind: 'websocket', url: 'ws://p:1/v1/127_0_0_1/9735' });
    expect(transportFor(parsePeerUri(`${KEY}@ws://direct:1/x`), 'ws://p:1')).toEqual({ kind: 'websocket', url: 'ws://direct:1/x' });
  });
});
