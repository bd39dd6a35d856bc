/**
 * `glint` argument parsing for the channel commands: `open <pubkey>@<host>:<port> <sats>
 * [--push-msat N] [--anchors|--static-remotekey]`, `close <channel-id> [--force]`, boolean
 * flags that never swallow the next word, and errors that name the flag.
 */
import { describe, expect, test } from 'vitest';
import { booleanFlag, parseArgs, parseCloseArgs, parseOpenArgs, parseTrustArgs, parseWholeAmount } from '../../cli/args.ts';
import { channelJson, jsonAmount } from '../../cli/json.ts';

const PK = `02${'11'.repeat(32)}`;
const URI = `${PK}@127.0.0.1:9735`;
const parse = (...argv: string[]) => parseArgs(argv, {});

describe('glint open arguments', () => {
  test('positional peer and amount, defaults', () => {
    expect(parseOpenArgs(parse('--data', '/d', 'open', URI, '100000'))).toEqual({ uri: URI, fundingSat: 100_000n });
  });

  test('--push-msat and the channel type flags, in any position', () => {
    expect(parseOpenArgs(parse('open', URI, '100000', '--push-msat', '5000', '--anchors'))).toEqual({ uri: URI, fundingSat: 100_000n, pushMsat: 5000n, channelType: 'anchors_zero_fee_htlc_tx' });
    // A boolean flag before the positionals does not take the URI as its value.
    expect(parseOpenArgs(parse('open', '--static-remotekey', URI, '100000'))).toEqual({ uri: URI, fundingSat: 100_000n, channelType: 'static_remotekey' });
    expect(parseOpenArgs(parse('open', URI, '100000', '--push-msat', '0'))).toMatchObject({ pushMsat: 0n });
  });

  test.each([
    [['open'], /usage: glint open/],
    [['open', URI], /usage: glint open/],
    [['open', URI, '1', '2'], /usage: glint open/],
    [['open', 'nobody', '100000'], /peer.*pubkey/],
    [['open', URI, '1.5'], /sats.*whole number/],
    [['open', URI, '-5'], /whole number/],
    [['open', URI, '0'], /more than zero/],
    [['open', URI, '99999999999999999999'], /whole number/],
    [['open', URI, '100000', '--push-msat'], /--push-msat.*needs a value/],
    [['open', URI, '100000', '--push-msat', 'lots'], /--push-msat.*whole number/],
    [['open', URI, '100000', '--push-msat', '100000001'], /--push-msat.*exceed/],
    [['open', URI, '100000', '--anchors', '--static-remotekey'], /not both/],
    [['open', URI, '100000', '--anchor'], /--anchor.*unknown option/],
    [['open', URI, '100000', '--push-msat', '1', '--push-msat', '2'], /--push-msat.*twice/],
  ])('%j is refused naming the problem', (argv, why) => {
    expect(() => parseOpenArgs(parse(...argv))).toThrow(why);
  });
});

describe('glint close arguments', () => {
  const ID = 'AB'.repeat(32);
  test('channel id (normalised to lower case) and --force', () => {
    expect(parseCloseArgs(parse('close', ID))).toEqual({ channelId: 'ab'.repeat(32), force: false });
    expect(parseCloseArgs(parse('close', '--force', ID))).toEqual({ channelId: 'ab'.repeat(32), force: true });
  });
  test.each([
    [['close'], /usage: glint close/],
    [['close', 'abc'], /channel-id.*64 hex/],
    [['close', ID, ID], /usage/],
    [['close', ID, '--forse'], /--forse.*unknown option/],
  ])('%j is refused', (argv, why) => {
    expect(() => parseCloseArgs(parse(...argv))).toThrow(why);
  });
});

describe('glint trust arguments', () => {
  const PKT = `02${'ab'.repeat(32)}`;
  test('a pubkey trusts it, --remove untrusts it, nothing lists', () => {
    expect(parseTrustArgs(parse('trust', PKT.toUpperCase()))).toEqual({ nodeId: PKT, remove: false });
    expect(parseTrustArgs(parse('trust', '--remove', PKT))).toEqual({ nodeId: PKT, remove: true });
    expect(parseTrustArgs(parse('trust'))).toEqual({ remove: false });
  });
  test.each([
    [['trust', 'ab'], /pubkey/],
    [['trust', `04${'ab'.repeat(32)}`], /pubkey/],
    [['trust', PKT, PKT], /usage/],
    [['trust', '--remove'], /needs a pubkey/],
    [['trust', PKT, '--force'], /--force/],
  ])('%j is refused', (argv, why) => {
    expect(() => parseTrustArgs(parse(...argv))).toThrow(why);
  });
});

describe('amounts', () => {
  test('parseWholeAmount', () => {
    expect(parseWholeAmount('21000000', 'x')).toBe(21_000_000n);
    expect(() => parseWholeAmount('0x10', 'x')).toThrow(/x/);
    expect(() => parseWholeAmount('', 'x')).toThrow(/whole number/);
  });
  test('JSON numbers while exact, decimal strings beyond 2^53 - 1', () => {
    expect(jsonAmount(0n)).toBe(0);
    expect(jsonAmount(2_100_000_000_000_000n)).toBe(2_100_000_000_000_000); // 21 M BTC in sats
    expect(jsonAmount(9_007_199_254_740_991n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(jsonAmount(9_007_199_254_740_992n)).toBe('9007199254740992');
    expect(jsonAmount(2_100_000_000_000_000_000n)).toBe('2100000000000000000'); // 21 M BTC in msat
  });
  test('a channel row has exactly the documented fields', () => {
    const row = channelJson({ localId: 0, channelId: 'aa'.repeat(32), peer: PK, state: 'idle', capacitySat: 0n, localMsat: 0n, remoteMsat: 0n, usable: false });
    expect(Object.keys(row)).toEqual(['channelId', 'peer', 'state', 'type', 'capacitySat', 'localMsat', 'remoteMsat', 'usable']);
    expect(row.type).toBeNull();
  });
  test('a force-closed channel row lists its closing outputs (BOLT 5), amounts as JSON amounts', () => {
    const row = channelJson({
      localId: 0,
      channelId: 'aa'.repeat(32),
      peer: PK,
      state: 'force-closing',
      capacitySat: 100_000n,
      localMsat: 60_000_000n,
      remoteMsat: 40_000_000n,
      usable: false,
      outputs: [
        { outpoint: `${'bb'.repeat(32)}:0`, kind: 'to_local', amountSat: 59_000n, status: 'waiting', availableAtHeight: 250 },
        { outpoint: `${'bb'.repeat(32)}:2`, kind: 'htlc-received', amountSat: 5_000n, status: 'claimed', claimTxid: 'cc'.repeat(32) },
      ],
    });
    expect(row.outputs).toEqual([
      { outpoint: `${'bb'.repeat(32)}:0`, kind: 'to_local', amountSat: 59_000, status: 'waiting', availableAtHeight: 250, claimTxid: null },
      { outpoint: `${'bb'.repeat(32)}:2`, kind: 'htlc-received', amountSat: 5_000, status: 'claimed', availableAtHeight: null, claimTxid: 'cc'.repeat(32) },
    ]);
  });
});

describe('glint run arguments', () => {
  test('--no-keysend is a flag without a value (keysend receive is a setting, on by default)', () => {
    const off = parseArgs(['--data', 'd', 'run', '--no-keysend'], {});
    expect(off.command).toBe('run');
    expect(off.positional).toEqual([]);
    expect(booleanFlag(off.flags, '--no-keysend')).toBe(true);
    expect(booleanFlag(parseArgs(['--data', 'd', 'run'], {}).flags, '--no-keysend')).toBe(false);
  });
});
