/** `npm start` flags (playground/options.ts) and the app's prefills from /glint.config.json (app/lib/deploy-prefills.ts). */
import { describe, expect, it } from 'vitest';
import { parsePlaygroundArgs, playgroundUsage, PlaygroundUsageError } from '../../playground/options.ts';
import { deployPrefills } from '../../app/lib/deploy-prefills.ts';

describe('npm start flags', () => {
  it('defaults, then env fallbacks, then flags win', () => {
    expect(parsePlaygroundArgs([])).toEqual({ help: false, host: '127.0.0.1', appPort: 4173, proxyPort: 8080, esploraPort: 3002, hubPort: 9735, shopPort: 9736, autoMineSecs: 0, https: false, skipBuild: false });
    const env = { GLINT_APP_PORT: '5000', GLINT_HUB_PORT: '9999', GLINT_SKIP_BUILD: '1' };
    expect(parsePlaygroundArgs([], env)).toMatchObject({ appPort: 5000, hubPort: 9999, skipBuild: true });
    expect(parsePlaygroundArgs(['--app-port', '6000', '--hub-port=0', '--host', '0.0.0.0', '--auto-mine', '5'], env)).toMatchObject({ appPort: 6000, hubPort: 0, host: '0.0.0.0', autoMineSecs: 5, skipBuild: true });
    expect(parsePlaygroundArgs(['--skip-build'])).toMatchObject({ skipBuild: true });
    expect(parsePlaygroundArgs(['--https'])).toMatchObject({ https: true });
    expect(parsePlaygroundArgs([], { GLINT_HTTPS: '1' })).toMatchObject({ https: true });
    expect(parsePlaygroundArgs(['--help']).help).toBe(true);
    // --data: absent unless given (nothing is written without it).
    expect(parsePlaygroundArgs(['--data', './world']).data).toBe('./world');
    expect(parsePlaygroundArgs([], { GLINT_DATA: '/tmp/pg' }).data).toBe('/tmp/pg');
    expect('data' in parsePlaygroundArgs([], { GLINT_DATA: '' })).toBe(false);
  });

  it('names the bad flag or variable', () => {
    const fails = (argv: string[], env: Record<string, string> = {}): string => {
      try {
        parsePlaygroundArgs(argv, env);
      } catch (err) {
        expect(err).toBeInstanceOf(PlaygroundUsageError);
        return (err as PlaygroundUsageError).flag;
      }
      return '';
    };
    expect(fails(['--app-port', '70000'])).toBe('--app-port');
    expect(fails(['--app-port'])).toBe('--app-port');
    expect(fails(['--proxy-port', 'x'])).toBe('--proxy-port');
    expect(fails(['--bogus'])).toBe('--bogus');
    expect(fails([], { GLINT_ESPLORA_PORT: '-1' })).toBe('GLINT_ESPLORA_PORT');
    expect(fails(['--host', 'a b'])).toBe('--host');
    expect(fails(['--data'])).toBe('--data');
    expect(fails(['--data', '--https'])).toBe('--data');
    expect(fails(['--data=  '])).toBe('--data');
    expect(fails(['--https=maybe'])).toBe('--https');
  });

  it('--help lists every flag with its variable and default', () => {
    const text = playgroundUsage();
    for (const f of ['--host', '--app-port', '--proxy-port', '--esplora-port', '--hub-port', '--shop-port', '--auto-mine', '--https', '--skip-build', '--data']) expect(text).toContain(f);
    expect(text).toContain('GLINT_APP_PORT, default 4173');
  });
});

describe('the app prefills from glint.config.json', () => {
  it('takes a ws proxy URL and the first well-formed peer, ignores the rest', () => {
    const peer = `03${'cd'.repeat(32)}@127.0.0.1:9735`;
    expect(deployPrefills({ proxy: 'ws://127.0.0.1:8080', peers: [peer] })).toEqual({ proxyUrl: 'ws://127.0.0.1:8080', lastPeerUri: peer });
    expect(deployPrefills({ proxy: 'http://x', peers: ['nope'] })).toEqual({});
    expect(deployPrefills(null)).toEqual({});
    expect(deployPrefills({ network: 'regtest' })).toEqual({});
  });
});
