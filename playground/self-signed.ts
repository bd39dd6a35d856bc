/**
 * A self-signed X.509 v3 certificate (RFC 5280) for `npm start -- --https`, without a dependency:
 * node:crypto makes the ECDSA P-256 key and the signature; the certificate's DER (ITU-T X.690) is
 * written here — only the few types a certificate needs (SEQUENCE, SET, INTEGER, OID, UTF8String,
 * UTCTime, BIT STRING, OCTET STRING, BOOLEAN, context tags).
 *
 * The certificate names `CN=Glint playground`, is valid from an hour ago for 30 days, and its
 * subjectAltName lists `localhost` and every IP the playground serves on (browsers match the host
 * against the SAN only). It is a CA:false leaf signed by its own key, so browsers warn once.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

const tlv = (tag: number, ...parts: Uint8Array[]): Uint8Array => {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Uint8Array.of(tag, ...len), body]);
};
const seq = (...p: Uint8Array[]): Uint8Array => tlv(0x30, ...p);
const set = (...p: Uint8Array[]): Uint8Array => tlv(0x31, ...p);
const ctx = (n: number, ...p: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...p);

/** DER OBJECT IDENTIFIER from dotted text (first two arcs packed, base-128 for the rest). */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const bytes = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** DER INTEGER of unsigned big-endian bytes (a leading 0 keeps it positive). */
export function uint(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const b = bytes.subarray(i);
  return tlv(0x02, b[0]! & 0x80 ? Buffer.concat([Uint8Array.of(0), b]) : b);
}

/** UTCTime `YYMMDDHHMMSSZ` (RFC 5280 4.1.2.5.1: years up to 2049). */
function utcTime(d: Date): Uint8Array {
  const p = (n: number): string => String(n).padStart(2, '0');
  const text = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function ipBytes(ip: string): Uint8Array {
  if (isIP(ip) === 4) return Uint8Array.from(ip.split('.').map(Number));
  // IPv6: expand `::`, then 8 groups of 16 bits.
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return Uint8Array.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

const pem = (label: string, der: Uint8Array): string => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

/** A fresh key and a self-signed certificate for `hosts` (names and IPs), as PEM. */
export function selfSignedCertificate(hosts: readonly string[], now = new Date()): { key: string; cert: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from('Glint playground', 'utf8')))));
  const notBefore = new Date(now.getTime() - 3600_000);
  const notAfter = new Date(now.getTime() + 30 * 86_400_000);
  const altNames = [...new Set(['localhost', ...hosts])].map((h) => (isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h, 'ascii'))));
  const extensions = ctx(
    3,
    seq(
      seq(oid('2.5.29.17'), tlv(0x04, seq(...altNames))), // subjectAltName
      seq(oid('2.5.29.19'), tlv(0x01, Uint8Array.of(0xff)), tlv(0x04, seq())), // basicConstraints critical, CA:false
      seq(oid('2.5.29.37'), tlv(0x04, seq(oid('1.3.6.1.5.5.7.3.1')))), // extKeyUsage serverAuth
    ),
  );
  const serial = new Uint8Array(randomBytes(16));
  serial[0]! &= 0x7f;
  const tbs = seq(
    ctx(0, tlv(0x02, Uint8Array.of(2))), // v3
    uint(serial),
    ecdsaSha256,
    name,
    seq(utcTime(notBefore), utcTime(notAfter)),
    name,
    new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    extensions,
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const cert = seq(tbs, ecdsaSha256, tlv(0x03, Uint8Array.of(0), signature));
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: pem('CERTIFICATE', cert) };
}
