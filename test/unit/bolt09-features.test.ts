/** BOLT 9 feature bits: encoding, the feature table, dependencies and BOLT 1 init negotiation. */
import { describe, expect, it } from 'vitest';
import table from '../vectors/bolt09-features.json' with { type: 'json' };
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { checkPeerFeatures, featureForBit, FeatureVector, KNOWN_FEATURES, missingDependency } from '../../engine/wire/features.ts';
import { GLINT_INIT_FEATURES } from '../../engine/peer/features.ts';

describe('BOLT 9 feature table', () => {
  it('knows every feature of the spec table by name, bit and dependencies', () => {
    for (const f of table.features) {
      const ours = featureForBit(f.even_bit);
      expect(ours?.name).toBe(f.name);
      expect(featureForBit(f.odd_bit)?.name).toBe(f.name);
      expect([...(ours?.dependencies ?? [])]).toEqual(f.dependencies);
    }
    expect(KNOWN_FEATURES.length).toBe(table.features.length);
  });
});

describe('BOLT 9 feature vectors on the wire', () => {
  it('bit 0 is the least significant bit of the last byte', () => {
    expect(bytesToHex(FeatureVector.fromBits([0]).toBytes())).toBe('01');
    expect(bytesToHex(FeatureVector.fromBits([9]).toBytes())).toBe('0200');
    expect(bytesToHex(FeatureVector.fromBits([8, 13, 15]).toBytes())).toBe('a100');
  });
  it('decodes LDK init features (little-endian list [33,81,10,10,0,160,8] as sent big-endian)', () => {
    // ldk-counterparty.md: LDK advertises required 0, 8, 12, 14 and optional 5, 17, 19, 25, 27, 45, 47, 51.
    const le = [33, 81, 10, 10, 0, 160, 8];
    const v = FeatureVector.fromBytes(Uint8Array.from([...le].reverse()));
    expect(v.list()).toEqual([0, 5, 8, 12, 14, 17, 19, 25, 27, 45, 47, 51]);
    expect(v.describe()).toMatchObject({ option_data_loss_protect: 'required', basic_mpp: 'optional', option_zeroconf: 'optional' });
  });
  it('empty and leading-zero inputs decode to the same set; encoding is minimal', () => {
    expect(FeatureVector.fromBytes(hexToBytes('000002')).list()).toEqual([1]);
    expect(bytesToHex(FeatureVector.fromBytes(hexToBytes('000002')).toBytes())).toBe('02');
    expect(FeatureVector.fromBytes(new Uint8Array(0)).list()).toEqual([]);
  });
  it('names unknown bits by their even bit', () => {
    expect(FeatureVector.fromBits([101]).describe()).toEqual({ unknown_100: 'optional' });
  });
});

describe('BOLT 9 dependencies', () => {
  it('basic_mpp needs payment_secret; zeroconf needs scid_alias', () => {
    expect(missingDependency(FeatureVector.fromBits([17]))).toEqual({ feature: 'basic_mpp', dependency: 'payment_secret' });
    expect(missingDependency(FeatureVector.fromBits([17, 15]))).toBeUndefined();
    expect(missingDependency(FeatureVector.fromBits([51]))?.dependency).toBe('option_scid_alias');
  });
  it('our own init features are self-consistent', () => {
    expect(missingDependency(GLINT_INIT_FEATURES)).toBeUndefined();
    expect(GLINT_INIT_FEATURES.describe()).toMatchObject({
      option_data_loss_protect: 'required',
      var_onion_optin: 'required',
      option_static_remotekey: 'required',
      payment_secret: 'required',
      basic_mpp: 'optional',
      option_anchors: 'optional',
      option_shutdown_anysegwit: 'optional',
      option_channel_type: 'optional',
      option_scid_alias: 'optional',
      option_zeroconf: 'optional',
    });
  });
});

describe('BOLT 1 init feature negotiation', () => {
  const ldk = FeatureVector.fromBits([0, 5, 8, 12, 14, 17, 19, 25, 27, 45, 47, 51]);
  it('Glint and LDK are compatible', () => {
    expect(checkPeerFeatures(GLINT_INIT_FEATURES, ldk)).toBeUndefined();
  });
  it('an unknown even bit from the peer fails; an unknown odd bit is ignored', () => {
    expect(checkPeerFeatures(GLINT_INIT_FEATURES, ldk.union(FeatureVector.fromBits([100])))?.reason).toContain('[100]');
    expect(checkPeerFeatures(GLINT_INIT_FEATURES, ldk.union(FeatureVector.fromBits([101])))).toBeUndefined();
  });
  it('a peer lacking a feature we require fails', () => {
    expect(checkPeerFeatures(GLINT_INIT_FEATURES, ldk.without([12]))?.reason).toContain('[12]');
  });
  it('a peer setting a feature without its dependency fails', () => {
    expect(checkPeerFeatures(GLINT_INIT_FEATURES, FeatureVector.fromBits([0, 8, 12, 14, 51]))?.reason).toContain('option_scid_alias');
  });
  it('a peer requiring a known feature that we only support optionally is fine', () => {
    expect(checkPeerFeatures(GLINT_INIT_FEATURES, ldk.union(FeatureVector.fromBits([44])))).toBeUndefined();
  });
});
