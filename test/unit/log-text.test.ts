/** The support log's text (app/lib/log-text.ts): level filter, redaction of secret-named fields, the export's header and lines. */
import { describe, expect, it } from 'vitest';
import { filterLog, formatLogLine, logFileName, logText, redactSecrets, type LogLine } from '../../app/lib/log-text.ts';
import { buildIdFrom } from '../../app/lib/build-id.ts';
import { parseRoute } from '../../app/lib/route.ts';

const AT = Date.UTC(2026, 11, 3, 5, 40, 1, 123);
const entries: LogLine[] = [
  { level: 'info', message: 'peer connected node=02aa', at: AT },
  { level: 'warn', message: 'reconnecting reason=timeout', at: AT + 1000 },
  { level: 'error', message: 'channel frozen key=ch/1', at: AT + 2000 },
  { level: 'debug', message: 'tick', at: AT + 3000 },
];

describe('filterLog', () => {
  it('keeps the chosen level and everything more severe, in order', () => {
    expect(filterLog(entries, 'all').map((e) => e.level)).toEqual(['info', 'warn', 'error', 'debug']);
    expect(filterLog(entries, 'info').map((e) => e.level)).toEqual(['info', 'warn', 'error']);
    expect(filterLog(entries, 'warn').map((e) => e.level)).toEqual(['warn', 'error']);
    expect(filterLog(entries, 'error').map((e) => e.level)).toEqual(['error']);
  });
});

describe('redactSecrets', () => {
  it('replaces the values of secret-named fields and keeps the rest', () => {
    const hex = 'ab'.repeat(32);
    expect(redactSecrets(`settled preimage=${hex} hash=${'cd'.repeat(32)}`)).toBe(`settled preimage=[redacted] hash=${'cd'.repeat(32)}`);
    expect(redactSecrets('x payment_secret=0011 sharedSecret=22 seed=33 mnemonic="a b c" passphrase=hunter2 privkey=44 node_private_key=55')).toBe(
      'x payment_secret=[redacted] sharedSecret=[redacted] seed=[redacted] mnemonic=[redacted] passphrase=[redacted] privkey=[redacted] node_private_key=[redacted]',
    );
  });

  it('leaves public ids and store keys alone', () => {
    const line = `channel open key=channel/0a txid=${'ef'.repeat(32)} peer=02${'11'.repeat(32)}@127.0.0.1:9735`;
    expect(redactSecrets(line)).toBe(line);
  });
});

describe('logText', () => {
  const header = { version: '0.1.0', build: 'AbC123xy', network: 'regtest', nodeId: '02ff', userAgent: 'UA/1', now: AT + 5000 };

  it('starts with what support asks first, then one line per entry, oldest first', () => {
    const text = logText(entries.slice(0, 3), header);
    expect(text.split('\n')).toEqual([
      'Glint 0.1.0 (build AbC123xy)',
      'network: regtest',
      'node id: 02ff',
      'browser: UA/1',
      'exported: 2026-12-03T05:40:06.123Z',
      'entries: 3',
      '',
      '2026-12-03T05:40:01.123Z INFO  peer connected node=02aa',
      '2026-12-03T05:40:02.123Z WARN  reconnecting reason=timeout',
      '2026-12-03T05:40:03.123Z ERROR channel frozen key=ch/1',
      '',
    ]);
  });

  it('applies the filter and says so, and redacts every line', () => {
    const text = logText([...entries, { level: 'error', message: 'oops preimage=ff', at: AT }], { ...header, nodeId: null, userAgent: null }, 'error');
    expect(text).toContain('entries: 2 (error and above)');
    expect(text).toContain('node id: none');
    expect(text).not.toContain('browser:');
    expect(text).not.toContain('preimage=ff');
    expect(text).toContain('preimage=[redacted]');
    expect(text).not.toContain('reconnecting');
  });

  it('formats one line with a padded level', () => {
    expect(formatLogLine({ level: 'warn', message: 'm', at: AT })).toBe('2026-12-03T05:40:01.123Z WARN  m');
  });

  it('names the download by its time, without characters file systems refuse', () => {
    expect(logFileName(AT)).toBe('glint-log-2026-12-03T05-40-01Z.txt');
  });
});

describe('about and route', () => {
  it('takes the build id from the hashed chunk name, else says dev', () => {
    expect(buildIdFrom('http://127.0.0.1:4173/assets/index-B2x_9kQz.js')).toBe('B2x_9kQz');
    expect(buildIdFrom('file:///work/app/lib/about.ts')).toBe('dev');
    expect(buildIdFrom('not a url')).toBe('dev');
  });

  it('routes #/settings/log to the log view and nothing else to it', () => {
    expect(parseRoute('#/settings/log')).toEqual({ tab: 'settings', view: 'home', settings: 'log' });
    expect(parseRoute('#/settings')).toEqual({ tab: 'settings', view: 'home' });
    expect(parseRoute('#/wallet/log').settings).toBeUndefined();
    expect(parseRoute('#/peers/log')).toEqual({ tab: 'peers', view: 'home' });
  });
});
