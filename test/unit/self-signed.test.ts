/** The playground's self-signed certificate (playground/self-signed.ts): node's own X.509 parser and a real TLS handshake accept it. */
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { oid, selfSignedCertificate, uint } from '../../playground/self-signed.ts';

describe('self-signed certificate', () => {
  it('DER pieces: OIDs and INTEGERs as X.690 writes them', () => {
    expect(Buffer.from(oid('1.2.840.10045.4.3.2')).toString('hex')).toBe('06082a8648ce3d040302');
    expect(Buffer.from(oid('2.5.29.17')).toString('hex')).toBe('0603551d11');
    expect(Buffer.from(uint(Uint8Array.of(0x80))).toString('hex')).toBe('02020080');
    expect(Buffer.from(uint(Uint8Array.of(0, 0, 5))).toString('hex')).toBe('020105');
  });

  it('parses, is self-issued and self-signed, names the hosts, and is valid now', () => {
    const now = new Date('2030-06-01T12:00:00Z');
    const { cert } = selfSignedCertificate(['127.0.0.1', '192.168.1.20', 'glint.local'], now);
    const x = new X509Certificate(cert);
    expect(x.subject).toBe('CN=Glint playground');
    expect(x.checkIssued(x)).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    expect(x.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:192.168.1.20, DNS:glint.local');
    expect(x.checkIP('192.168.1.20')).toBe('192.168.1.20');
    expect(new Date(x.validFrom).getTime()).toBeLessThan(now.getTime());
    expect(new Date(x.validTo).getTime()).toBeGreaterThan(now.getTime() + 29 * 86_400_000);
  });

  it('a TLS client that trusts it completes the handshake to 127.0.0.1', async () => {
    const { key, cert } = selfSignedCertificate(['127.0.0.1']);
    const server = createServer({ key, cert }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', ca: cert }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      expect(body).toBe('ok');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
