/**
 * A payment handed to Glint by a share (Web Share Target, GET) or a protocol handler link
 * (app/lib/launch-payment.ts): the payment text is found in `uri`, `url`, `text` or `title`,
 * `web+lightning:` becomes `lightning:`, a sentence around an invoice is dropped, and an ordinary
 * start carries nothing.
 */
import { describe, expect, it } from 'vitest';
import { launchPaymentText } from '../../app/lib/launch-payment.ts';
import { manifest } from '../../vite.config.ts';

const INVOICE = 'lnbcrt10u1pjqxyzpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdqqcqzzsxqyz5vq';
const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

const q = (params: Record<string, string>): string => `?${new URLSearchParams(params).toString()}`;

describe('launchPaymentText', () => {
  it('carries nothing on an ordinary start', () => {
    expect(launchPaymentText('')).toBeNull();
    expect(launchPaymentText('?utm_source=x')).toBeNull();
    expect(launchPaymentText(q({ text: '   ' }))).toBeNull();
  });

  it('takes a bitcoin: URI from the protocol handler whole (BIP21 query included)', () => {
    const uri = `bitcoin:${ADDRESS}?amount=0.001&lightning=${INVOICE}`;
    expect(launchPaymentText(q({ uri }))).toBe(uri);
  });

  it('maps web+lightning: back to lightning:', () => {
    expect(launchPaymentText(q({ uri: `web+lightning:${INVOICE}` }))).toBe(`lightning:${INVOICE}`);
    expect(launchPaymentText(q({ uri: `WEB+LIGHTNING:${INVOICE}` }))).toBe(`lightning:${INVOICE}`);
  });

  it('finds the invoice in a shared sentence and drops trailing punctuation', () => {
    expect(launchPaymentText(q({ text: `Pay me please: ${INVOICE}.` }))).toBe(INVOICE);
    expect(launchPaymentText(q({ title: 'Invoice', text: `lightning:${INVOICE}` }))).toBe(`lightning:${INVOICE}`);
  });

  it('prefers url over text over title', () => {
    expect(launchPaymentText(q({ title: ADDRESS, text: INVOICE, url: `bitcoin:${ADDRESS}` }))).toBe(`bitcoin:${ADDRESS}`);
    expect(launchPaymentText(q({ title: ADDRESS, text: INVOICE }))).toBe(INVOICE);
  });

  it('returns a text with no payment in it whole, for the Send screen to explain', () => {
    expect(launchPaymentText(q({ text: 'hello there' }))).toBe('hello there');
  });

  it('reads the URLs the manifest really declares', () => {
    const uri = `bitcoin:${ADDRESS}?amount=0.5`;
    for (const h of manifest.protocol_handlers) {
      const url = new URL(h.url.replace('%s', encodeURIComponent(uri)), 'https://glint.example');
      expect(url.pathname).toBe('/');
      expect(launchPaymentText(url.search)).toBe(uri);
    }
    const t = manifest.share_target;
    const shared = new URL(t.action, 'https://glint.example');
    shared.searchParams.set(t.params.title, 'An invoice');
    shared.searchParams.set(t.params.text, `Pay ${INVOICE}`);
    expect(launchPaymentText(shared.search)).toBe(INVOICE);
  });
});
