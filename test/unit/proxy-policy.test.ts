// Pure parts of the proxy: address classification, port allow-list, path parsing, options.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addressRefusal, classifyAddress, clientKey, parseIPv6, portAllowList, portRefusal } from '../../proxy/policy.ts';
import { parseTargetPath } from '../../proxy/target.ts';
import { helpText, OptionsError, parseCli, resolveOptions } from '../../proxy/options.ts';

describe('proxy policy: address classification', () => {
  const refusedByDefault: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'], ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'], ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'], ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'], ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'documentation'], ['198.51.100.7', 'documentation'], ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'], ['192.0.0.8', 'special'],
    ['::1', 'loopback'], ['::', 'unspecified'],
    ['fc00::1', 'ula'], ['fd12:3456::1', 'ula'],
    ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'], ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'], ['64:ff9b::a00:1', 'private'], ['2002:c0a8:101::1', 'private'],
    ['2001:db8::1', 'documentation'], ['2001::1', 'special'],
    ['::127.0.0.1', 'reserved'], ['100::1', 'reserved'],
  ];
  it.each(refusedByDefault)('%s is %s and refused by default', (ip, kind) => {
    expect(classifyAddress(ip)?.kind).toBe(kind);
    expect(addressRefusal(ip, false)).toMatch(/address/);
  });

  it('names the range in the refusal', () => {
    expect(addressRefusal('10.0.0.1', false)).toBe('a private address (10.0.0.0/8)');
    expect(addressRefusal('::ffff:127.0.0.1', false)).toBe('IPv4-mapped 127.0.0.1, a loopback address (127.0.0.0/8)');
    expect(addressRefusal('fc00::1', false)).toBe('a unique local address (fc00::/7)');
  });

  it('permits public addresses', () => {
    for (const ip of ['1.1.1.1', '8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700::1111',
      '2a01:4f8::1', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1']) {
      expect(addressRefusal(ip, false), ip).toBeNull();
      expect(addressRefusal(ip, true), ip).toBeNull();
    }
  });

  it('allowPrivate permits non-public unicast but never unspecified/multicast/broadcast/reserved', () => {
    for (const ip of ['127.0.0.1', '10.0.0.1', '192.168.0.1', '169.254.1.1', '100.64.0.1', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1']) {
      expect(addressRefusal(ip, true), ip).toBeNull();
    }
    for (const ip of ['0.0.0.0', '224.0.0.1', '255.255.255.255', '240.0.0.1', '::', 'ff02::1', '::ffff:0.0.0.0', '::127.0.0.1']) {
      expect(addressRefusal(ip, true), ip).not.toBeNull();
    }
  });

  it('rejects non-addresses', () => {
    for (const s of ['', 'localhost', '127.1', '010.0.0.1', '1.2.3.256', '::g', '1:2:3:4:5:6:7:8:9']) {
      expect(classifyAddress(s), s).toBeNull();
    }
  });

  it('IPv4-mapped IPv6 classifies exactly like the IPv4 address (property)', () => {
    fc.assert(fc.property(fc.ipV4(), (v4) => {
      const a = classifyAddress(v4);
      const b = classifyAddress(`::ffff:${v4}`);
      expect(b?.tier).toBe(a?.tier);
      expect(b?.kind).toBe(a?.tier === 'public' ? 'public' : a?.kind);
    }));
  });

  it('parses every IPv6 form node accepts into 8 groups (property)', () => {
    fc.assert(fc.property(fc.ipV6(), (v6) => {
      const g = parseIPv6(v6);
      expect(g).not.toBeNull();
      expect(g).toHaveLength(8);
    }));
  });

  it('counts clients per IPv4 address and per IPv6 /64', () => {
    expect(clientKey('203.0.113.5')).toBe('203.0.113.5');
    expect(clientKey('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb::2'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
  });

  it('allows 9735 plus extra ports only', () => {
    const allowed = portAllowList([9736, 19735]);
    expect(portRefusal(9735, allowed)).toBeNull();
    expect(portRefusal(19735, allowed)).toBeNull();
    expect(portRefusal(22, allowed)).toBe('port 22 is not allowed (allowed: 9735, 9736, 19735)');
    expect(portRefusal(9734, portAllowList([]))).toBe('port 9734 is not allowed (allowed: 9735)');
  });
});

describe('proxy path parsing', () => {
  it.each([
    ['/v1/127_0_0_1/9735', 'ipv4', '127.0.0.1', '127.0.0.1:9735'],
    ['/v1/203.0.113.7/9735', 'ipv4', '203.0.113.7', '203.0.113.7:9735'],
    ['/v1/node_Example_com/9736/', 'hostname', 'node.example.com', 'node.example.com:9736'],
    ['/v1/localhost/9735?x=1', 'hostname', 'localhost', 'localhost:9735'],
    ['/v1/[::1]/9735', 'ipv6', '::1', '[::1]:9735'],
    ['/v1/%5B2001%3Adb8%3A%3A1%5D/9735', 'ipv6', '2001:db8::1', '[2001:db8::1]:9735'],
    ['/v1/::ffff:127_0_0_1/9735', 'ipv6', '::ffff:127.0.0.1', '[::ffff:127.0.0.1]:9735'],
  ])('%s -> %s %s', (path, kind, host, display) => {
    const r = parseTargetPath(path);
    expect(r).toEqual({ ok: true, target: { kind, host, port: Number(display.split(':').pop()), display } });
  });

  it.each([
    ['/v1/foo', /expected \/v1\/<host/],
    ['/v1/1_2_3_4/notaport', /port "notaport" is not a number from 1 to 65535/],
    ['/v1/../..', /host "\.\." is not a valid hostname/],
    ['/v1/1_2_3_4/0', /port "0"/],
    ['/v1/1_2_3_4/65536', /port "65536"/],
    ['/v1/1_2_3_4/09735', /port "09735"/],
    ['/v1/1_2_3_4/9735/extra', /expected/],
    ['/v2/1_2_3_4/9735', /expected/],
    ['/', /expected/],
    ['/v1//9735', /host is empty/],
    ['/v1/999_1_1_1/9735', /not a valid IPv4 address/],
    ['/v1/010_0_0_1/9735', /not a valid IPv4 address/],
    ['/v1/127_1/9735', /not a valid IPv4 address/],
    ['/v1/0x7f_1/9735', /not a valid hostname/],
    ['/v1/[fe80::1%25eth0]/9735', /zone ids are not supported/],
    ['/v1/[127_0_0_1]/9735', /not a valid IPv6 address/],
    ['/v1/%E0%A4%A/9735', /not valid percent-encoding/],
    ['/v1/exa mple/9735', /not a valid hostname/],
    ['/v1/-bad-_com/9735', /not a valid hostname/],
  ])('refuses %s', (path, why) => {
    const r = parseTargetPath(path);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(/^Bad request path "/);
      expect(r.error).toMatch(why);
      expect(r.error).not.toMatch(/[\r\n]/);
    }
  });
});

describe('proxy options', () => {
  it('has the documented defaults', () => {
    const o = resolveOptions({});
    expect(o).toMatchObject({
      host: '127.0.0.1', port: 8080, allowPorts: [], allowPrivate: false, allowOrigins: [], trustProxy: false,
      connectTimeoutMs: 10_000, idleTimeoutMs: 300_000, maxPerIp: 5, maxTotal: 200,
    });
  });

  it('parses flags over environment variables', () => {
    const r = parseCli(
      ['--port', '9000', '--allow-port', '9736,9737', '--allow-port=19735', '--allow-private', '--allow-origin',
        'https://App.example', '--idle-timeout', '1.5', '--connect-timeout=2', '--max-per-ip', '3', '--trust-proxy'],
      { GLINT_PROXY_PORT: '1234', GLINT_PROXY_HOST: '0.0.0.0', GLINT_PROXY_ALLOW_PORTS: '1', GLINT_PROXY_MAX_TOTAL: '50' },
    );
    expect(r).toEqual({
      help: false,
      options: {
        host: '0.0.0.0', port: 9000, allowPorts: [9736, 9737, 19735], allowPrivate: true,
        allowOrigins: ['https://app.example'], idleTimeoutMs: 1500, connectTimeoutMs: 2000, maxPerIp: 3,
        maxTotal: 50, trustProxy: true,
      },
    });
  });

  it('reads booleans and lists from the environment', () => {
    const r = parseCli([], { GLINT_PROXY_ALLOW_PRIVATE: 'yes', GLINT_PROXY_ALLOW_PORTS: '9736, 9737', GLINT_PROXY_TRUST_PROXY: '0' });
    expect(r).toEqual({ help: false, options: { allowPrivate: true, allowPorts: [9736, 9737], trustProxy: false } });
  });

  it.each([
    [['--port', 'abc'], /^--port: expected an integer from 0 to 65535, got "abc"$/],
    [['--port'], /^--port: missing value N$/],
    [['--port', '70000'], /^--port: /],
    [['--allow-port', '0'], /^--allow-port: /],
    [['--allow-port', '9736,x'], /^--allow-port: .*"x"/],
    [['--allow-origin', 'https://app.example/path'], /^--allow-origin: /],
    [['--allow-origin', 'app.example'], /^--allow-origin: /],
    [['--idle-timeout', '-1'], /^--idle-timeout: /],
    [['--connect-timeout', '0'], /^--connect-timeout: /],
    [['--max-total', '0'], /^--max-total: /],
    [['--allow-private=maybe'], /^--allow-private: /],
    [['--log-level', 'loud'], /^--log-level: /],
    [['--frobnicate'], /^unknown option "--frobnicate"/],
  ])('%j is refused naming the flag', (argv, msg) => {
    expect(() => parseCli(argv, {})).toThrow(OptionsError);
    expect(() => parseCli(argv, {})).toThrow(msg);
  });

  it('names the environment variable on a bad env value', () => {
    expect(() => parseCli([], { GLINT_PROXY_PORT: 'x' })).toThrow(/^GLINT_PROXY_PORT: /);
    expect(() => parseCli([], { GLINT_PROXY_ALLOW_PRIVATE: 'perhaps' })).toThrow(/^GLINT_PROXY_ALLOW_PRIVATE: /);
  });

  it('names the option on bad programmatic options', () => {
    expect(() => resolveOptions({ maxPerIp: 0 })).toThrow(/^maxPerIp: /);
    expect(() => resolveOptions({ allowPorts: [70000] })).toThrow(/^allowPorts: /);
  });

  it('--help documents every option, its env variable and the URL scheme', () => {
    expect(parseCli(['--help'], {})).toEqual({ help: true });
    const h = helpText();
    for (const s of ['--host', '--port', '--allow-port', '--allow-private', '--allow-origin', '--trust-proxy',
      '--connect-timeout', '--idle-timeout', '--max-per-ip', '--max-total', '--max-message', '--log-level',
      'GLINT_PROXY_HOST', 'GLINT_PROXY_PORT', '/v1/', '/health', '1008', '1011', '1013']) {
      expect(h).toContain(s);
    }
  });
});
